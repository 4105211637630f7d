"""Read an uploaded file into rows, refusing what is unsafe or not what it claims to be. Pure.

The format is decided by the content, checked against the extension: a `.xls`, an encrypted workbook, a
renamed file, an oversize upload or a zip bomb each gets its own Chinese message.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import openpyxl

from question_bank.transfer.columns import EXPORT_COLUMNS, REQUIRED_COLUMNS, normalise_header

if TYPE_CHECKING:
    from collections.abc import Callable

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAVE_AS_XLSX = "请在 Excel/WPS 中另存为 .xlsx（或 CSV UTF-8）后再导入"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")


@dataclass(frozen=True)
class Columns:
    """The columns a kind of file has: which it needs, which it knows, and how a typed header maps to one."""

    required: tuple[str, ...]
    known: tuple[str, ...]
    normalise: Callable[[str], str]
    template_hint: str


QUESTION_COLUMNS = Columns(tuple(REQUIRED_COLUMNS), tuple(EXPORT_COLUMNS), normalise_header,
                           f"{', '.join(EXPORT_COLUMNS[:4])}…")


@dataclass(frozen=True)
class Limits:
    """Caps on what one import may hold."""

    max_bytes: int = 5 * 1024 * 1024
    max_rows: int = 5000
    max_unzipped_bytes: int = 64 * 1024 * 1024
    max_zip_entries: int = 500
    max_zip_ratio: int = 200


class FileProblem(ValueError):
    """The whole file is unusable; the message tells the user what to do."""


@dataclass
class Table:
    """Rows of a file: each a (row number as the user sees it, column → text) pair."""

    kind: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class JsonRecords:
    """Question objects of a JSON export, numbered from 1."""

    records: list[tuple[int, Any]]
    kind: str = "json"
    warnings: list[str] = field(default_factory=list)


def read_upload(data: bytes, filename: str, limits: Limits | None = None,
                columns: Columns = QUESTION_COLUMNS) -> Table | JsonRecords:
    """Decide the file's format from its content and extension and read it (JSON only for questions)."""
    extension = PurePath(filename or "").suffix.lower()
    limits = limits or Limits()
    if not data:
        raise FileProblem("文件是空的")
    if len(data) > limits.max_bytes:
        raise FileProblem(f"文件过大（{len(data) / 1048576:.1f} MB），上限为 {limits.max_bytes / 1048576:.0f} MB")
    if data.startswith(OLE2_MAGIC) or extension == ".xls":
        raise FileProblem(f"这是旧版 Excel (.xls) 文件或加了密码的工作簿，无法直接导入。{SAVE_AS_XLSX}")
    if extension in (".et", ".ods", ".numbers", ".xlsm", ".xlsb"):
        raise FileProblem(f"不支持 {extension} 文件。{SAVE_AS_XLSX}")
    if data.startswith(b"PK\x03\x04"):
        if extension not in (".xlsx", ""):
            raise FileProblem(f"文件扩展名是 {extension}，但内容是 Excel 工作簿或压缩包。请把扩展名改为 .xlsx 后再导入")
        return read_xlsx(data, limits, columns)
    if extension == ".xlsx":
        raise FileProblem(f"文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能已损坏或被改了扩展名）。{SAVE_AS_XLSX}")
    if extension == ".json" and columns is QUESTION_COLUMNS:
        return read_json(data)
    if extension in (".csv", ".txt", ".tsv", ""):
        return read_csv(data, limits, columns)
    raise FileProblem(f"不支持的文件类型“{extension}”，请使用 .xlsx、.csv 或 .json 文件")


def read_xlsx(data: bytes, limits: Limits, columns: Columns = QUESTION_COLUMNS) -> Table:
    """Read the sheet named 题目 (or the first sheet) of a workbook, after zip-bomb checks."""
    _check_zip(data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise FileProblem(f"无法读取该 Excel 文件（{type(error).__name__}）。{SAVE_AS_XLSX}") from error
    try:
        sheet = workbook["题目"] if "题目" in workbook.sheetnames else workbook.worksheets[0]
        grid = ([cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True))
        return _table_from_grid("xlsx", grid, limits, columns)
    finally:
        workbook.close()


def _check_zip(data: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise FileProblem(f"文件已损坏，不是有效的 .xlsx 工作簿。{SAVE_AS_XLSX}") from error
    with archive:
        entries = archive.infolist()
        total = sum(entry.file_size for entry in entries)
        worst_ratio = max((e.file_size / max(e.compress_size, 1) for e in entries), default=0)
        names = {entry.filename for entry in entries}
    if len(entries) > limits.max_zip_entries or total > limits.max_unzipped_bytes or (
        worst_ratio > limits.max_zip_ratio and total > 1024 * 1024
    ):
        raise FileProblem("文件解压后异常巨大（疑似“压缩炸弹”），已拒绝导入")
    if "xl/workbook.xml" not in names:
        raise FileProblem(f"这是一个压缩包，但不是 Excel 工作簿。{SAVE_AS_XLSX}")


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person typed: 3.0 → "3", TRUE → "TRUE", dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    head = data[:400]
    if b"\x00" in head:
        # Text never holds NUL; UTF-16 without a BOM does, beside every ASCII character (tabs, line ends).
        encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        return data.decode(encoding), encoding
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileProblem("无法识别文件的文字编码。请另存为“CSV UTF-8”或 .xlsx 后再导入")


def read_csv(data: bytes, limits: Limits, columns: Columns = QUESTION_COLUMNS) -> Table:
    """Read a CSV (comma) or a tab-separated text file in any of the supported encodings."""
    try:
        text, _encoding = decode_text(data)
    except UnicodeDecodeError as error:
        raise FileProblem("文件的文字编码有误，无法读取。请另存为“CSV UTF-8”或 .xlsx 后再导入") from error
    if "\x00" in text:
        raise FileProblem(f"文件内容不是文本格式的 CSV。{SAVE_AS_XLSX}")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        grid = (
            [strip_formula_guard(cell) for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
        return _table_from_grid("csv", grid, limits, columns)
    except csv.Error as error:
        raise FileProblem(f"CSV 格式有误：{error}") from error


def strip_formula_guard(cell: str) -> str:
    """Undo export's formula-injection guard: a `'` put before `=`, `+`, `-`, `@` or `'`."""
    if len(cell) > 1 and cell[0] == "'" and cell[1].startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell


def _table_from_grid(kind: str, grid, limits: Limits, columns: Columns) -> Table:  # type: ignore[no-untyped-def]
    table = Table(kind)
    header: list[str] | None = None
    for number, cells in enumerate(grid, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = _read_header(cells, table, columns)
            continue
        if len(table.rows) >= limits.max_rows:
            raise FileProblem(f"文件超过单次导入上限（{limits.max_rows}行），请拆分后分批导入")
        table.rows.append((number, {col: cells[i] for i, col in enumerate(header) if col and i < len(cells)}))
    if header is None:
        raise FileProblem(f"文件中没有内容（第一行应为表头：{columns.template_hint}）")
    return table


def _read_header(cells: list[str], table: Table, columns: Columns) -> list[str]:
    header = [columns.normalise(cell) if cell.strip() else "" for cell in cells]
    missing = [column for column in columns.required if column not in header]
    if missing:
        raise FileProblem(f"表头缺少“{'、'.join(missing)}”列。第一行应为表头：{columns.template_hint}；"
                          "请使用下载的导入模板")
    seen: set[str] = set()
    for index, column in enumerate(header):
        if not column:
            continue
        if column in seen:
            raise FileProblem(f"表头中“{column}”列出现了两次")
        seen.add(column)
        if column not in columns.known:
            table.warnings.append(f"未识别的列“{cells[index].strip()}”，已忽略")
            header[index] = ""
    return header


def read_json(data: bytes) -> JsonRecords:
    """Read a JSON export: an object with format, version and questions (or a bare list of questions)."""
    from question_bank.transfer import FORMAT_NAME, FORMAT_VERSION

    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileProblem(f"JSON 文件格式有误：{error}") from error
    if isinstance(document, dict):
        if document.get("format", FORMAT_NAME) != FORMAT_NAME:
            raise FileProblem(f"这不是本系统导出的题库文件（format 为“{document.get('format')}”）")
        version = document.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise FileProblem(f"文件格式版本为 {version}，本系统只支持到 {FORMAT_VERSION}，请先升级系统")
        document = document.get("questions")
    if not isinstance(document, list):
        raise FileProblem("JSON 文件中没有题目列表（questions）")
    return JsonRecords(records=list(enumerate(document, start=1)))
