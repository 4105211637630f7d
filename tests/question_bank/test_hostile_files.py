"""Hostile spreadsheets are refused or read quickly, with a clear message: declared giant ranges, far cells,
a 100,000-column row, control characters, lone surrogates, deep JSON."""

from __future__ import annotations

import json

import pytest

from bench.bankgen import generated_drafts
from question_bank.transfer.reading import FileProblem, read_upload
from question_bank.transfer.report import build_report
from question_bank.transfer.writing import to_csv, to_json, to_xlsx
from tests.hostile_files import declared, far_cell


@pytest.mark.parametrize("ref", ["A1:XFD1048576", "A1:Q1048576"])
def test_absurd_declared_ranges_are_refused_before_reading(ref: str):
    with pytest.raises(FileProblem, match="异常巨大"):
        read_upload(declared(ref), "题库.xlsx")


def test_a_range_beyond_excels_columns_is_refused_as_damaged():
    with pytest.raises(FileProblem, match="无法读取该 Excel 文件"):
        read_upload(declared("A1:EQXD10"), "题库.xlsx")


def test_a_far_cell_after_the_data_stops_the_reading_with_a_warning():
    table = read_upload(far_cell(1_048_576, "A"), "题库.xlsx")
    assert len(table.rows) == 3
    assert any("连续1000行为空" in warning for warning in table.warnings)


def test_a_cell_in_column_xfd_is_read_within_the_bounded_columns():
    table = read_upload(far_cell(5, "XFD"), "题库.xlsx")
    assert len(table.rows) == 3  # the far cell is outside the 64 columns read


def test_a_plausible_declared_range_reads_only_what_is_there():
    assert len(read_upload(declared("A1:R9371", questions=5), "题库.xlsx").rows) == 5


def test_control_characters_are_removed_on_import_and_said_row_by_row():
    stem = "党的\x01最高\x0b理想（　　）\x7f"
    csv_text = "题型,题干,答案\n判断,党章是根本大法,正确\n填空,\"" + stem + "\",共产主义\n判断,第三题,错误\n"
    records = [{"type": "判断", "stem": "党章是根本大法", "answer": "正确"},
               {"type": "填空", "stem": stem, "answer": "共产主义"},
               {"type": "判断", "stem": "第三题", "answer": "错误"}]
    for name, data in (("a.csv", csv_text.encode()), ("a.json", json.dumps(records).encode())):
        table = read_upload(data, name)
        report = build_report(table)
        assert len(report.importable_rows) == 3, name
        stems = [row.draft.stem for row in report.rows]
        assert "党的最高\n理想（　　）" in stems, stems
        assert any("删除了3个不可见的控制字符" in warning for warning in table.warnings), table.warnings


def test_a_lone_surrogate_in_json_never_reaches_the_database_text():
    record = {"type": "判断", "stem": "党章规定\ud800正确吗", "answer": "正确"}
    data = json.dumps({"questions": [record]}).encode()  # \ud800 escaped: valid JSON, invalid UTF-8
    report = build_report(read_upload(data, "a.json"))
    assert report.rows[0].draft.stem == "党章规定正确吗"
    report.rows[0].draft.stem.encode("utf-8")  # would raise with the surrogate


def test_json_nested_100000_deep_is_refused_with_a_message():
    with pytest.raises(FileProblem, match="嵌套层数"):
        read_upload(b"[" * 100_000 + b"]" * 100_000, "a.json")


def test_exports_survive_stored_control_characters():
    drafts = list(generated_drafts(2))
    drafts[0].stem = "含\x00控制\x1f字符\ud800的题干（　　）"
    for writer, name in ((to_xlsx, "a.xlsx"), (to_csv, "a.csv"), (to_json, "a.json")):
        rows = build_report(read_upload(writer(drafts), name)).rows
        assert rows[0].draft.stem == "含控制字符的题干（　　）", name


def test_9370_questions_in_one_file_in_every_format():
    drafts = list(generated_drafts(9370))
    for writer, name in ((to_xlsx, "a.xlsx"), (to_csv, "a.csv"), (to_json, "a.json")):
        report = build_report(read_upload(writer(drafts), name))
        assert len(report.importable_rows) == 9370 and not report.bad_rows, name


def test_export_then_import_is_lossless_at_20000_questions_in_every_format():
    drafts = list(generated_drafts(20_000))
    for writer, name in ((to_xlsx, "a.xlsx"), (to_csv, "a.csv"), (to_json, "a.json")):
        report = build_report(read_upload(writer(drafts), name))
        assert [row.draft for row in report.rows] == drafts, name
