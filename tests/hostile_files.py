"""Spreadsheets an attacker (or a broken tool) would upload, built in memory."""

from __future__ import annotations

import io
import re
import zipfile

from bench.bankgen import generated_drafts
from question_bank.transfer.writing import to_xlsx


def with_sheet_xml(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The workbook with its first sheet's XML passed through `change`."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = change(body.decode("utf-8")).encode("utf-8")
            out.writestr(item, body)
    return target.getvalue()


def declared(ref: str, questions: int = 3) -> bytes:
    """A small workbook whose sheet declares the range `ref` (e.g. A1:XFD1048576)."""
    def change(xml: str) -> str:
        if "<dimension" in xml:
            return re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', xml)
        return xml.replace("<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>', 1)

    return with_sheet_xml(to_xlsx(generated_drafts(questions)), change)


def far_cell(row: int, column_letters: str, questions: int = 3) -> bytes:
    """A workbook with one more cell far away (no declared range): `XFD1048576`, say."""
    cell = f'<row r="{row}"><c r="{column_letters}{row}" t="inlineStr"><is><t>x</t></is></c></row>'
    return with_sheet_xml(to_xlsx(generated_drafts(questions)), lambda xml: xml.replace("</sheetData>",
                                                                                       cell + "</sheetData>"))
