"""Finding people by part of a name, unit or 职务, or by pinyin initials (pure)."""

from __future__ import annotations

import pytest

from quiz.roster.search import fold, initials, person_matches


@pytest.mark.parametrize(("name", "expected"), [
    ("赵示一", "zsy"),
    ("单雄信", "sxx"),  # 单 as a surname is shàn, not dān
    ("覃松洁", "qsj"),
    ("欧阳修", "oyx"),
    ("艾力·买买提", "almmt"),  # the separator dot is dropped
])
def test_initials_follow_surname_readings(name: str, expected: str):
    assert initials(name) == expected


def test_fold_ignores_width_case_and_spaces():
    assert fold(" ＺＳ y ") == "zsy" and fold("赵 示一") == "赵示一"


@pytest.mark.parametrize("query", ["赵示", "示一", "zsy", "ZS", "ｚｓｙ", "赵 示", "甲县", "书记", ""])
def test_a_person_is_found_by_name_unit_position_or_initials(query: str):
    assert person_matches(query, "赵示一", "县委书记", "演示甲县")


@pytest.mark.parametrize("query", ["钱", "qs", "zsx", "乙县", "部长", "zs1"])
def test_other_queries_do_not_match(query: str):
    assert not person_matches(query, "赵示一", "县委书记", "演示甲县")
