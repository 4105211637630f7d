"""The bundled doctrine bank: the shipped file is sound, and loading it upgrades in place without ever
overwriting a staff edit or re-adding a question staff deleted."""

from __future__ import annotations

import collections
import json

import pytest
from sqlalchemy import func, select

from question_bank import service
from question_bank.bundle import BadBundle, load_bundled, parse_bundle
from question_bank.bundle_sync import sync_bundled
from question_bank.kinds import QuestionType
from question_bank.models import Question

SEED_PLACES = {"广西贵港", "成都武侯", "莆田城厢", "玉林兴业", "桂林象山"}


def test_the_shipped_bank_is_sound():
    records = load_bundled()
    assert len(records) >= 200
    types = collections.Counter(r.draft.type for r in records)
    assert set(types) == set(QuestionType) and min(types.values()) >= 20
    for record in records:
        draft = record.draft
        assert draft.explanation and draft.source, record.key
        assert draft.category, record.key
        if "地方实践" in draft.tags:
            assert SEED_PLACES & set(draft.tags), f"{record.key}: a local practice names its place"
    fingerprints = collections.Counter(
        (r.draft.type, r.draft.stem) for r in records)
    assert max(fingerprints.values()) == 1, "a question appears twice"


def test_the_doctrine_named_in_the_seeds_is_covered():
    text = " ".join(r.draft.stem + r.draft.explanation for r in load_bundled())
    for topic in ["四种形态", "好干部", "五有五服务", "双强六好", "星级", "六位一体", "三建融合", "双报到", "三会一课"]:
        assert topic in text, topic


def line(key: str, stem: str, **extra) -> str:  # type: ignore[no-untyped-def]
    record = {"key": key, "type": "判断", "stem": stem, "answer": True, "explanation": "解析", "source": "出处",
              "category": "党章党规/党章"} | extra
    return json.dumps(record, ensure_ascii=False)


def test_a_broken_bundle_names_its_line():
    with pytest.raises(BadBundle, match="line 2"):
        parse_bundle(line("a", "一") + "\n" + line("b", "二", type="单选"))
    with pytest.raises(BadBundle, match="repeated key"):
        parse_bundle(line("a", "一") + "\n" + line("a", "二"))


def count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count(Question.id)))


def test_load_then_upgrade_in_place(session):
    first = parse_bundle("\n".join([line("k1", "党员有八项义务。"), line("k2", "党员有八项权利。"),
                                    line("k3", "预备期为一年。")]))
    assert len(sync_bundled(session, first).added) == 3
    session.commit()
    assert len(sync_bundled(session, first).added) == 0 and count(session) == 3  # idempotent

    questions = {q.stem: q for q in session.scalars(select(Question))}
    edited = questions["党员有八项权利。"]
    draft = edited.to_draft()
    draft.explanation = "员工补充的解析"
    service.update_question(session, edited, draft)
    service.delete_question(session, questions["预备期为一年。"])
    session.commit()

    second = parse_bundle("\n".join([
        line("k1", "党员有八项义务。", explanation="新版解析"),
        line("k2", "党员有八项权利。", explanation="新版解析"),
        line("k3", "预备期为一年。", explanation="新版解析"),
        line("k4", "党旗为红旗。"),
    ]))
    result = sync_bundled(session, second)
    session.commit()
    assert (result.added, result.updated, result.kept_staff_edits, result.deleted_by_staff) == (
        ["k4"], ["k1"], ["k2"], ["k3"])
    stems = {q.stem: q.explanation for q in session.scalars(select(Question))}
    assert stems == {"党员有八项义务。": "新版解析", "党员有八项权利。": "员工补充的解析", "党旗为红旗。": "解析"}


def test_the_shipped_bank_loads_into_an_empty_database(session):
    result = sync_bundled(session, load_bundled())
    session.commit()
    assert count(session) == len(result.added) == len(load_bundled())
