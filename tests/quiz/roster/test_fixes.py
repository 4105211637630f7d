"""The roster import's suggested fixes (pure), and a report that carries them with each bad row's text."""

from __future__ import annotations

import pytest

from quiz.roster.fixes import suggest
from quiz.roster.transfer import RosterFacts, build_report, read_roster


@pytest.mark.parametrize(("column", "cells", "fix"), [
    ("第一责任人", {"第一责任人": "1"}, "第一责任人请填“是”"),
    ("第一责任人", {"第一责任人": "Ｙ"}, "第一责任人请填“是”"),
    ("第一责任人", {"第一责任人": "×"}, "不是第一责任人请填“否”，或留空"),
    ("单位类型", {"单位类型": "县区"}, "单位类型请写“县(市、区)”"),
    ("单位类型", {"单位类型": "市直机关"}, "单位类型请写“市直单位”"),
    ("单位类型", {"单位类型": "社区"}, "单位类型请写“街道社区”"),  # not 县(市、区) for its 区
    ("单位类型", {"单位类型": "国企"}, "单位类型请写“国有企业”"),
    ("姓名", {"姓名": "张三、李四 王五"}, "一行只填一个人：请把“张三、李四”等3人分成3行"),
])
def test_fixes(column: str, cells: dict[str, str], fix: str):
    assert suggest(column, cells) == fix


@pytest.mark.parametrize(("column", "cells"), [
    ("第一责任人", {"第一责任人": "待定"}), ("单位类型", {"单位类型": "协会"}), ("姓名", {"姓名": ""}),
    ("单位", {"单位": ""}),
])
def test_no_suggestion_where_no_rule_knows_one(column: str, cells: dict[str, str]):
    assert suggest(column, cells) == ""


def test_the_report_quotes_bad_rows_and_suggests():
    data = ("单位,单位类型,姓名,职务,第一责任人,分组\n"
            "甲县,县区,张三,县委书记,1,\n"
            "甲县,,李四,副书记,,\n").encode()
    report = build_report(read_roster(data, "名册.csv"), RosterFacts())
    assert [(r[0], r[1], r[4]) for r in report.problem_rows()] == [
        (2, "单位类型", "单位类型请写“县(市、区)”"), (2, "第一责任人", "第一责任人请填“是”")]
    assert report.problem_rows()[0][3] == "单位：甲县 | 单位类型：县区 | 姓名：张三 | 职务：县委书记 | 第一责任人：1"
    assert [row.number for row in report.importable_rows] == [3]


def test_two_people_in_one_row_are_refused_with_the_fix():
    data = "单位,姓名\n甲县,郑示七、王示八\n甲县,阿依古丽·买买提\n".encode()
    report = build_report(read_roster(data, "名册.csv"), RosterFacts())
    assert report.problem_rows() == [(2, "姓名", "姓名中不能有顿号、逗号或分号（一行只填一个人）",
                                      "单位：甲县 | 姓名：郑示七、王示八",
                                      "一行只填一个人：请把“郑示七、王示八”等2人分成2行")]
    assert [row.number for row in report.importable_rows] == [3]  # a name with a middle dot is one name
