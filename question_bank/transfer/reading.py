"""Read an uploaded file into rows, refusing what is unsafe or not what it claims to be. Pure.

The format is decided by the content, checked against the extension: a `.xls`, an encrypted workbook, a
renamed file, an oversize upload or a zip bomb each gets its own Chinese message.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import openpyxl

from core.progress import Progress, no_progress
from core.textsafe import clean_text
from question_bank.transfer.columns import EXPORT_COLUMNS, REQUIRED_COLUMNS, normalise_header

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


DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps on what one import may hold. There is no cap on rows: a file up to `max_bytes` imports in one go.

    A sheet is read in streaming mode and only so far as it holds text: at most `max_columns` columns (the
    template has 18), and reading stops after `empty_run` empty rows in a row. A sheet that *declares* more than
    `max_declared_rows` rows or `max_declared_columns` columns is refused before reading: openpyxl would
    otherwise walk every declared empty row (a 5 KB file declaring `A1:XFD1048576` pins a core for hours).
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_unzipped_bytes: int = 512 * 1024 * 1024
    max_zip_entries: int = 500
    max_zip_ratio: int = 200
    max_columns: int = 64
    empty_run: int = 1000
    max_declared_rows: int = 1_000_000
    max_declared_columns: int = 1000
    max_json_depth: int = 20


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



def read_upload(data: bytes, filename: str, limits: Limits | None = None, columns: Columns = QUESTION_COLUMNS,
                progress: Progress = no_progress) -> Table | JsonRecords:
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
        return read_xlsx(data, limits, columns, progress)
    if extension == ".xlsx":
        raise FileProblem(f"文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能已损坏或被改了扩展名）。{SAVE_AS_XLSX}")
    if extension == ".json" and columns is QUESTION_COLUMNS:
        return read_json(data, limits)
    if extension in (".csv", ".txt", ".tsv", ""):
        return read_csv(data, limits, columns, progress)
    raise FileProblem(f"不支持的文件类型“{extension}”，请使用 .xlsx、.csv 或 .json 文件")


def read_xlsx(data: bytes, limits: Limits, columns: Columns = QUESTION_COLUMNS,
              progress: Progress = no_progress) -> Table:
    """Read the sheet named 题目 (or the first sheet) of a workbook in streaming mode, after zip-bomb checks."""
    _check_zip(data, limits)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise FileProblem(f"无法读取该 Excel 文件（{type(error).__name__}）。{SAVE_AS_XLSX}") from error
    try:
        sheet = workbook["题目"] if "题目" in workbook.sheetnames else workbook.worksheets[0]
        declared_rows = _check_declared_size(sheet, limits)
        rows = sheet.iter_rows(values_only=True, max_col=limits.max_columns)
        grid = ([cell_text(value) for value in row] for row in rows)
        return _table_from_grid("xlsx", grid, limits, columns, progress, declared_rows)
    except FileProblem:
        raise
    except Exception as error:  # a damaged sheet fails while it streams, not at load
        raise FileProblem(f"无法读取该 Excel 文件（{type(error).__name__}）。{SAVE_AS_XLSX}") from error
    finally:
        workbook.close()


def _check_declared_size(sheet, limits: Limits) -> int:  # type: ignore[no-untyped-def]
    """Refuse a sheet declaring an absurd range; return the declared row count (0 when undeclared)."""
    try:
        rows, cols = sheet.max_row or 0, sheet.max_column or 0
    except (ValueError, TypeError):  # beyond Excel's own limits (XFD, 1,048,576): openpyxl cannot parse it
        rows, cols = limits.max_declared_rows + 1, 0
    if rows > limits.max_declared_rows or cols > limits.max_declared_columns:
        declared = f"{rows:,} 行 × {cols:,} 列" if cols else "超出 Excel 的上限"
        raise FileProblem(f"工作表声明的范围异常巨大（{declared}，可能对整张表设置过格式），已拒绝读取。"
                          "请把题目所在的行和列复制到新建的工作表后再导入")
    return rows


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


def read_csv(data: bytes, limits: Limits, columns: Columns = QUESTION_COLUMNS,
             progress: Progress = no_progress) -> Table:
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
            [strip_formula_guard(cell) for cell in row[: limits.max_columns]]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        )
        return _table_from_grid("csv", grid, limits, columns, progress, text.count("\n") + 1)
    except csv.Error as error:
        raise FileProblem(f"CSV 格式有误：{error}") from error


def strip_formula_guard(cell: str) -> str:
    """Undo export's formula-injection guard: a `'` put before `=`, `+`, `-`, `@` or `'`."""
    if len(cell) > 1 and cell[0] == "'" and cell[1].startswith(FORMULA_PREFIXES):
        return cell[1:]
    return cell


READ_STAGE = "读取文件"
PROGRESS_EVERY = 500  # rows between progress calls


def _table_from_grid(kind: str, grid: Iterable[list[str]], limits: Limits, columns: Columns,
                     progress: Progress = no_progress, expected_rows: int = 0) -> Table:
    """Rows with text, keyed by the header's columns; control characters removed and reported per row; reading
    stops after `limits.empty_run` empty rows in a row (what follows is said in a warning, never dropped unsaid)."""
    table = Table(kind)
    header: list[str] | None = None
    empty_run = 0
    number = 0
    for number, cells in enumerate(grid, start=1):
        if number % PROGRESS_EVERY == 0:
            progress(READ_STAGE, number, max(expected_rows, number))
        if not any(cell.strip() for cell in cells):
            empty_run += 1
            if empty_run >= limits.empty_run and header is not None:
                table.warnings.append(f"第{number - empty_run + 1}行起连续{limits.empty_run}行为空，"
                                      "其后的内容未读取（如有题目，请删去中间的空行后重新导入）")
                break
            continue
        empty_run = 0
        cells, changed = _clean_cells(cells)
        if changed:
            table.warnings.append(f"第{number}行：删除了{changed}个不可见的控制字符")
        if header is None:
            header = _read_header(cells, table, columns)
            continue
        table.rows.append((number, {col: cells[i] for i, col in enumerate(header) if col and i < len(cells)}))
    progress(READ_STAGE, number, number)
    if header is None:
        raise FileProblem(f"文件中没有内容（第一行应为表头：{columns.template_hint}）")
    return table


def _clean_cells(cells: list[str]) -> tuple[list[str], int]:
    cleaned, changed = [], 0
    for cell in cells:
        text, count = clean_text(cell)
        cleaned.append(text)
        changed += count
    return cleaned, changed


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


def read_json(data: bytes, limits: Limits | None = None) -> JsonRecords:
    """Read a JSON export: an object with format, version and questions (or a bare list of questions).

    Nesting is checked before parsing (a document nested 100,000 deep would exhaust the parser's stack), and
    every string loses control characters and lone surrogates (`"\ud800"` is valid JSON, invalid UTF-8), each
    removal reported for its question."""
    from question_bank.transfer import FORMAT_NAME, FORMAT_VERSION

    limits = limits or Limits()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileProblem("JSON 文件的文字编码有误（应为 UTF-8），无法读取") from error
    if _nesting_depth(text) > limits.max_json_depth:
        raise FileProblem(f"JSON 文件的嵌套层数超过 {limits.max_json_depth} 层，不是本系统导出的题库文件")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
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
    records = JsonRecords(records=[])
    for number, record in enumerate(document, start=1):
        cleaned, changed = _clean_json(record)
        if changed:
            records.warnings.append(f"第{number}题：删除了{changed}个不可见的控制字符")
        records.records.append((number, cleaned))
    return records


JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
JSON_BRACKET = re.compile(r"[\[\]{}]")


def _nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings, found without recursion (strings are cut out first)."""
    depth = deepest = 0
    for match in JSON_BRACKET.finditer(JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _clean_json(value: Any) -> tuple[Any, int]:
    """A JSON value with every string (keys too) cleaned, and the count of characters removed."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        pairs = [_clean_json(item) for item in value]
        return [item for item, _ in pairs], sum(count for _, count in pairs)
    if isinstance(value, dict):
        cleaned, total = {}, 0
        for key, item in value.items():
            clean_key, key_count = clean_text(key)
            cleaned[clean_key], count = _clean_json(item)
            total += key_count + count
        return cleaned, total
    return value, 0
