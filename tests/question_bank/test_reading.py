"""Every way an upload can be unusable gets its own clear message; every supported encoding reads."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from question_bank.transfer.reading import FileProblem, JsonRecords, Limits, read_upload
from question_bank.transfer.writing import template_xlsx

HEADER = ["题型", "题干", "选项A", "选项B", "答案"]
ROW = ["单选", "党的最高理想是（　　）", "实现共产主义", "发家致富", "A"]


def csv_text(delimiter: str = ",") -> str:
    return "\r\n".join(delimiter.join(cells) for cells in (HEADER, ROW)) + "\r\n"


@pytest.mark.parametrize(("encoding", "delimiter"), [
    ("utf-8", ","), ("utf-8-sig", ","), ("gb18030", ","), ("gbk", ","), ("utf-16", "\t"), ("utf-16-le", "\t"),
])
def test_csv_in_every_supported_encoding(encoding: str, delimiter: str):
    table = read_upload(csv_text(delimiter).encode(encoding), "题库.csv")
    assert table.rows == [(2, dict(zip(HEADER, ROW, strict=True)))]


def test_tab_separated_unicode_text_with_txt_extension():
    table = read_upload(csv_text("\t").encode("utf-16"), "题库.txt")
    assert table.rows[0][1]["题干"] == ROW[1]


def test_row_numbers_skip_blank_lines_like_a_spreadsheet():
    text = ",".join(HEADER) + "\n\n" + ",".join(ROW) + "\n"
    assert read_upload(text.encode(), "a.csv").rows[0][0] == 3


def test_header_is_matched_loosely_and_unknown_columns_are_reported():
    text = "题目类型,题 干,选项ａ,选项B,正确答案,备注\n" + ",".join(ROW) + ",x\n"
    table = read_upload(text.encode(), "a.csv")
    assert table.rows[0][1]["题干"] == ROW[1] and table.rows[0][1]["选项A"] == ROW[2]
    assert table.warnings == ["未识别的列“备注”，已忽略"]


@pytest.mark.parametrize(("data", "name", "phrase"), [
    (b"", "a.csv", "文件是空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "题库.xls", "另存为 .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "加密.xlsx", "加了密码"),
    (b"just some text", "题库.xlsx", "内容不是 Excel 工作簿"),
    (b"PK\x03\x04broken", "题库.xlsx", "文件已损坏"),
    (b"x", "题库.et", "不支持 .et"),
    (b"x", "题库.pdf", "不支持的文件类型"),
    ("名字,年龄\n张三,30\n".encode(), "a.csv", "表头缺少“题型、题干、答案”列"),
    ("题型,题型,题干,答案\n".encode(), "a.csv", "出现了两次"),
    (b"abc\x80\xff\x80" * 10, "a.csv", "编码"),
    (b"{not json", "a.json", "JSON 文件格式有误"),
    (json.dumps({"format": "other"}).encode(), "a.json", "不是本系统导出的题库文件"),
    (json.dumps({"format": "shuji-wenxiao/question-bank", "version": 99, "questions": []}).encode(), "a.json", "版本"),
])
def test_unusable_files_get_a_clear_message(data: bytes, name: str, phrase: str):
    with pytest.raises(FileProblem) as caught:
        read_upload(data, name)
    assert phrase in str(caught.value)


def test_a_workbook_renamed_to_csv_is_called_out():
    with pytest.raises(FileProblem, match="改为 .xlsx"):
        read_upload(template_xlsx(), "题库.csv")


def test_uploads_over_the_size_cap_are_refused():
    with pytest.raises(FileProblem, match="文件过大"):
        read_upload(csv_text().encode() * 100, "a.csv", Limits(max_bytes=1000))


def test_there_is_no_row_cap_only_the_size_cap():
    text = ",".join(HEADER) + "\n" + (",".join(ROW) + "\n") * 9370
    assert len(read_upload(text.encode(), "a.csv").rows) == 9370


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    return buffer.getvalue()


def test_zip_bombs_are_refused_before_unpacking():
    bomb = zip_bomb()
    assert len(bomb) < 200 * 1024
    with pytest.raises(FileProblem, match="压缩炸弹"):
        read_upload(bomb, "题库.xlsx")


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileProblem, match="不是 Excel 工作簿"):
        read_upload(buffer.getvalue(), "题库.xlsx")


def test_json_list_and_document_forms():
    records = read_upload(json.dumps([{"type": "判断"}]).encode(), "a.json")
    assert isinstance(records, JsonRecords) and records.records == [(1, {"type": "判断"})]


def test_csv_formula_guard_is_stripped_on_import():
    text = ",".join(HEADER) + "\n" + "单选,'=1+1,'-甲,'''乙,A\n"
    cells = read_upload(text.encode(), "a.csv").rows[0][1]
    assert (cells["题干"], cells["选项A"], cells["选项B"]) == ("=1+1", "-甲", "''乙")
