"""What a phone (360×640) says in each state: the question's type, who answers and how, the anonymity of the
ballot, the voter's own pick after the reveal; the state line always on screen and true to the state.
Screenshots under test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import pytest

from question_bank.bundle import BUNDLED_FILE, parse_bundle
from question_bank.kinds import QuestionType
from tests.browser.conftest import Shots
from tests.browser.fake_live import called_person, deliver, open_page, public_state, review_state, round_state
from tests.live_server import claim, live_server, seat_codes, staff_session

pytestmark = pytest.mark.browser
ME = {"id": 7, "name": "欧阳建国", "unit": "第一党支部", "unit_id": 1, "anonymous": False}


@pytest.fixture(scope="module")
def phone_url(tmp_path_factory):  # type: ignore[no-untyped-def]
    with live_server("gevent", f"sqlite:///{tmp_path_factory.mktemp('phone') / 'phone.sqlite3'}") as server:
        code = seat_codes(server, staff_session(server), server.demo_meeting_id)[0]
        yield f"{server.url}/p/{code}?d={claim(server, code)}"


@pytest.fixture(scope="module", params=["100%", "130%"], ids=lambda size: f"text{size[:-1]}")
def phone(request, browser, phone_url):  # type: ignore[no-untyped-def]
    """A 360×640 phone; at 130% as WeChat's larger text setting makes it."""
    page = open_page(browser, phone_url, 360, 640, device_scale_factor=2, is_mobile=True, has_touch=True,
                     text_size=request.param)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def questions():  # type: ignore[no-untyped-def]
    drafts = [record.draft for record in parse_bundle(BUNDLED_FILE.read_text("utf-8"))]
    return {kind: next(d for d in drafts if d.type is kind) for kind in QuestionType}


def show(phone, round_=None, review=None, **me) -> None:  # type: ignore[no-untyped-def]
    deliver(phone, public_state(round=round_, review=review) | {"me": ME | me})


def assert_state_visible(phone, expected: str) -> None:  # type: ignore[no-untyped-def]
    """The state line says `expected`, and stays on screen when the page is scrolled to its end."""
    assert phone.locator("#status").inner_text().startswith(expected)
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = phone.locator("#status").bounding_box()
    assert box["y"] >= -1 and box["y"] + box["height"] <= 641
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    phone.evaluate("window.scrollTo(0, 0)")


def test_every_question_says_its_type(phone, questions, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    for kind, label in [(QuestionType.SINGLE, "单选"), (QuestionType.MULTIPLE, "多选"), (QuestionType.JUDGE, "判断"),
                        (QuestionType.BLANK, "填空")]:
        show(phone, round_state(questions[kind], "open"))
        assert phone.locator("#view .stem").inner_text().startswith(f"【{label}】")
        assert_state_visible(phone, "请作答")
        shots.take(phone, label)
    show(phone, round_state(questions[QuestionType.ESSAY], "open", "called", called_person(attendee_id=99)))
    assert phone.locator("#view .stem").inner_text().startswith("【简答】")
    shots.take(phone, "简答-others")


def test_a_called_essay_says_one_thing(phone, questions, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    essay = questions[QuestionType.ESSAY]
    show(phone, round_state(essay, "open", "called", called_person(attendee_id=ME["id"])))
    text = phone.locator("#view").inner_text()
    assert "请您口头作答" in text and "请听主持人点名作答" not in text and "请听" not in text
    assert_state_visible(phone, "请口头作答")
    shots.take(phone, "called-me")
    show(phone, round_state(essay, "open", "called", called_person(attendee_id=99, name="李明")))
    text = phone.locator("#view").inner_text()
    assert "请听 李明 作答" in text and "请您" not in text and "请听主持人点名作答" not in text
    shots.take(phone, "called-someone-else")


def test_the_ballot_says_it_is_anonymous_and_the_state_follows_the_vote(phone, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    show(phone, review=review_state("pending"), can_rate=True, voted=False, ballot=None)
    assert "正在述成绩" in phone.locator("#view").inner_text()
    assert_state_visible(phone, "述职中")
    shots.take(phone, "speaking")
    show(phone, review=review_state("open"), can_rate=True, voted=False, ballot=None)
    note = phone.locator(".anon-note")
    assert note.count() == 1 and "匿名" in note.inner_text() and "打乱" in note.inner_text()
    assert "述成绩" not in phone.locator("#view").inner_text()
    assert_state_visible(phone, "请评议")
    shots.take(phone, "vote-open")
    show(phone, review=review_state("closed"), can_rate=True, voted=True, ballot=None)
    assert "述成绩" not in phone.locator("#view").inner_text()
    assert_state_visible(phone, "投票已结束")
    shots.take(phone, "vote-closed")
    show(phone, review=review_state("revealed", result=True), can_rate=True, voted=True, ballot=None)
    assert_state_visible(phone, "评议结果已公布")
    shots.take(phone, "result")


def test_after_the_reveal_the_voters_own_pick_is_labelled(phone, questions, request):  # type: ignore[no-untyped-def]
    shots = Shots(request.node.name)
    single = questions[QuestionType.SINGLE]
    wrong = next(letter for letter in "ABCD" if letter != single.answer)
    show(phone, round_state(single, "closed", round_id=5), answer=wrong)
    assert phone.locator(".choice.mine .badge").inner_text() == "您的选择"
    assert_state_visible(phone, "已收卷")
    shots.take(phone, "waiting")
    show(phone, round_state(single, "revealed", round_id=5), answer=wrong, result={"correct": False, "score": 0})
    assert phone.locator(".choice.mine .badge").inner_text() == "您的选择 ✗"
    assert phone.locator(".choice.correct .badge").inner_text() == "正确答案"
    assert phone.locator(".you-wrong").inner_text().startswith("回答有误")
    assert single.options[ord(single.answer) - 65] in phone.locator(".reveal").inner_text()  # the answer's text
    assert_state_visible(phone, "已揭晓")
    shots.take(phone, "revealed-wrong")
    show(phone, round_state(single, "revealed", round_id=6), answer=single.answer, result={"correct": True, "score": 1})
    assert phone.locator(".choice.mine.correct .badge").inner_text() == "您的选择 ✓"
    assert phone.locator(".you-right").count() == 1
    shots.take(phone, "revealed-right")
    multiple = questions[QuestionType.MULTIPLE]
    show(phone, round_state(multiple, "revealed", round_id=7), answer=multiple.answer[:-1] or "A",
         result={"correct": False, "score": 0})
    assert phone.locator(".choice.mine .badge").count() == len(multiple.answer[:-1] or "A")
    assert phone.locator(".reveal .answer").count() == len(multiple.answer)  # every correct option's text
    shots.take(phone, "revealed-multiple")
