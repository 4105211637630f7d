"""Exports are safe to open in a spreadsheet; the template lists the allowed values."""

from __future__ import annotations

import csv
import io

import openpyxl

from question_bank.kinds import QuestionType
from question_bank.rules import QuestionDraft
from question_bank.transfer.columns import TEMPLATE_COLUMNS
from question_bank.transfer.reading import read_upload
from question_bank.transfer.report import build_report
from question_bank.transfer.writing import template_xlsx, to_csv, to_json, to_xlsx

HOSTILE = QuestionDraft(
    type=QuestionType.SINGLE, stem='=HYPERLINK("http://evil.example","点我")（　　）',
    options=["+1+2", "-3", "@SUM(A1)", "'引号开头"], answer="A", explanation="=cmd|' /C calc'!A0",
)


def test_xlsx_cells_are_text_never_formulas():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([HOSTILE])))["题目"]
    cells = [cell for cell in sheet[2] if cell.value]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert sheet["B2"].value == HOSTILE.stem


def test_csv_cells_that_would_run_as_formulas_are_prefixed():
    rows = list(csv.reader(io.StringIO(to_csv([HOSTILE]).decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["题干"].startswith("'=") and row["选项A"] == "'+1+2" and row["选项B"] == "'-3"
    assert row["选项C"] == "'@SUM(A1)" and row["选项D"] == "''引号开头" and row["解析"].startswith("'=")


def test_hostile_cells_round_trip_through_every_format():
    for data, name in [(to_csv([HOSTILE]), "a.csv"), (to_xlsx([HOSTILE]), "a.xlsx"), (to_json([HOSTILE]), "a.json")]:
        report = build_report(read_upload(data, name))
        assert [row.draft for row in report.rows] == [HOSTILE], name


def test_template_has_the_columns_and_a_sheet_of_allowed_values():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames == ["题目", "填写说明"]
    assert [cell.value for cell in workbook["题目"][1]] == TEMPLATE_COLUMNS
    rules = {row[0]: row[1] for row in workbook["填写说明"].iter_rows(values_only=True)}
    assert "单选、多选、判断、填空、简答" in rules["题型"]
    assert "易/较易/中/较难/难" in rules["难度"]
    assert "正确" in rules["答案·判断"] and "|" in rules["答案·填空"]
    assert any("shuji-wenxiao/question-bank 版本 1" in (value or "") for value in rules.values())


def test_the_empty_template_imports_as_zero_rows():
    assert build_report(read_upload(template_xlsx(), "模板.xlsx")).rows == []
