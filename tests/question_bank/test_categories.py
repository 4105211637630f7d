"""The category tree: counts, add, rename, move, merge, delete — paths stay consistent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank import categories
from question_bank.models import Category
from question_bank.search import BankQuery, search
from tests.factories import make_question


def paths(session) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(session.scalars(select(Category.path)))


def by_path(session, path: str) -> Category:  # type: ignore[no-untyped-def]
    return session.scalar(select(Category).where(Category.path == path))


def test_tree_counts_own_and_total(session):
    make_question(session, category="党章党规")
    make_question(session, category="党章党规/纪律处分条例")
    make_question(session, category="党章党规/纪律处分条例")
    make_question(session, category="组织工作")
    counts = {n.category.path: (n.own, n.total, n.depth) for n in categories.flatten(categories.tree(session))}
    assert counts == {"党章党规": (1, 3, 0), "党章党规/纪律处分条例": (2, 2, 1), "组织工作": (1, 1, 0)}


def test_rename_rewrites_the_subtree_and_search_follows(session):
    question = make_question(session, category="党章党规/纪律/处分")
    categories.rename(session, by_path(session, "党章党规/纪律"), "纪律处分条例")
    session.commit()
    assert paths(session) == ["党章党规", "党章党规/纪律处分条例", "党章党规/纪律处分条例/处分"]
    assert [q.id for q in search(session, BankQuery(category="党章党规/纪律处分条例")).items] == [question.id]


def test_move_refuses_cycles_and_clashes(session):
    make_question(session, category="甲/乙/丙")
    make_question(session, category="丁/乙")
    with pytest.raises(categories.CategoryError, match="它自己或它的下级"):
        categories.move(session, by_path(session, "甲"), by_path(session, "甲/乙/丙"))
    with pytest.raises(categories.CategoryError, match="已有分类“丁/乙”"):
        categories.move(session, by_path(session, "甲/乙"), by_path(session, "丁"))
    categories.move(session, by_path(session, "甲/乙/丙"), None)
    assert paths(session) == ["丁", "丁/乙", "丙", "甲", "甲/乙"]


def test_merge_moves_questions_and_merges_same_named_children(session):
    a = make_question(session, category="旧/条例")
    b = make_question(session, category="旧")
    c = make_question(session, category="新/条例")
    moved = categories.merge(session, by_path(session, "旧"), by_path(session, "新"))
    session.commit()
    assert moved == 2 and paths(session) == ["新", "新/条例"]
    session.expire_all()
    assert {q.id: q.category.path for q in (a, b, c)} == {a.id: "新/条例", b.id: "新", c.id: "新/条例"}


def test_add_and_delete(session):
    parent = categories.add(session, "党章党规", None)
    child = categories.add(session, "党章", parent)
    assert child.path == "党章党规/党章"
    with pytest.raises(categories.CategoryError, match="已有分类"):
        categories.add(session, "党章", parent)
    with pytest.raises(categories.CategoryError, match="不能含有"):
        categories.add(session, "a/b", None)
    with pytest.raises(categories.CategoryError, match="还有题目或下级分类"):
        categories.delete(session, parent)
    categories.delete(session, child)
    categories.delete(session, parent)
    assert paths(session) == []
