"""The quarter formula and ranking, pure: components, 请假 / 缺席 / no data, renormalised weights, every
tie-break, bottom N, repeat bottom, grades."""

from __future__ import annotations

import pytest

from quiz.quarter import ranking as r

M1, M2 = 1, 2


def units(count: int) -> list[r.UnitInfo]:
    return [r.UnitInfo(n, f"单位{n}", n) for n in range(1, count + 1)]


def present(unit_id: int, *meetings: int) -> list[r.Attendance]:
    return [r.Attendance(m, unit_id, ("present", "present")) for m in meetings]


def called(unit_id: int, score: float | None, points: float = 10, meeting: int = M1) -> r.CalledRound:
    return r.CalledRound(meeting, unit_id, 100 * unit_id + int(score or 0), score, points)


def all_rec(unit_id: int, shown: int, correct: int, attendee: int = 0, meeting: int = M1) -> r.AllRecord:
    return r.AllRecord(meeting, unit_id, attendee or unit_id, shown, correct)


def rated(unit_id: int, *ratings: str, meeting: int = M1, **kw) -> r.ReviewVote:  # type: ignore[no-untyped-def]
    ballots = tuple(r.BallotFact("", {"rating": rating}) for rating in ratings)
    return r.ReviewVote(meeting, unit_id, unit_id, ballots=ballots, **kw)


def quarter(count: int = 3, held: dict | None = None, **kw) -> r.QuarterInput:  # type: ignore[no-untyped-def]
    data = r.QuarterInput(units(count), **kw)
    data.held = held if held is not None else {"called": {M1}, "all": {M1}, "review": {M1}}
    if not data.attendance:
        data.attendance = [a for unit in data.units for a in present(unit.unit_id, M1)]
    return data


def by_unit(scores: list[r.UnitScore]) -> dict[int, r.UnitScore]:
    return {score.unit_id: score for score in scores}


# Components


def test_called_is_the_mean_of_score_over_points_across_meetings():
    value, basis = r.called_value([called(1, 8), called(1, 9), called(1, 10, points=20, meeting=M2)])
    assert value == pytest.approx((80 + 90 + 50) / 3)
    assert basis == "3次点名，平均9分"  # points differ between the meetings: no "满分" note
    value, basis = r.called_value([called(1, 8), called(1, 9)])
    assert (value, basis) == (pytest.approx(85), "2次点名，平均8.5分（满分10分）")


def test_called_without_an_answer_scores_zero_and_a_speed_bonus_is_capped_at_100():
    value, _ = r.called_value([called(1, None), called(1, 12)])
    assert value == pytest.approx(50)


def test_all_is_the_mean_of_each_present_attendees_accuracy():
    records = [all_rec(1, 4, 4, attendee=1), all_rec(1, 4, 1, attendee=2), all_rec(1, 2, 1, attendee=3),
               all_rec(1, 0, 0, attendee=4)]  # shown nothing (came after the last round): left out
    value, basis = r.all_value(records)
    assert value == pytest.approx((100 + 25 + 50) / 3)
    assert basis == "3人次作答，答对6/10题次"


def test_review_weighs_ratings_groups_and_paper_tallies():
    vote = r.ReviewVote(M1, 1, 1, group_weights={"班子成员": 2}, ballots=(
        r.BallotFact("班子成员", {"rating": "满意"}), r.BallotFact("党员代表", {"rating": "不满意"}),
        r.BallotFact("", {"rating": "基本满意"}), r.BallotFact("", {"rating": "乱填"})),
        papers=({"满意": 1, "基本满意": 0, "不满意": 1},))
    value, basis = r.review_value([vote])
    # 班子成员 weighs 2; the others (and paper ballots, group "") weigh 1; the unknown rating is not counted.
    assert value == pytest.approx((2 * 100 + 0 + 60 + 100 + 0) / 6)
    assert basis == "5张评议票（含纸质票2张）"


def test_criteria_ballots_use_the_weighted_mean_of_score_times_ten():
    criteria = (("政治建设", 2.0), ("作风建设", 1.0))
    assert r.ballot_value({"政治建设": 9, "作风建设": 6}, criteria) == pytest.approx((2 * 90 + 60) / 3)
    assert r.ballot_value({"政治建设": 8}, criteria) == pytest.approx(80)  # only what was scored
    assert r.ballot_value({"其他": 8, "作风建设": "x"}, criteria) is None
    vote = r.ReviewVote(M1, 1, 1, criteria=criteria, ballots=(r.BallotFact("", {"政治建设": 9, "作风建设": 6}),),
                        papers=({"ballots": 2, "sums": {"政治建设": 20, "作风建设": 10}},))
    value, _ = r.review_value([vote])
    assert value == pytest.approx((80 + 2 * (2 * 100 + 50) / 3) / 3)


def test_a_review_without_usable_ballots_has_no_value():
    assert r.review_value([rated(1)]) is None
    assert r.paper_ballots({"ballots": 0, "sums": {}}, (("a", 1.0),)) == []


def test_review_breakdown_gives_counts_only_and_hides_small_groups():
    vote = r.ReviewVote(M1, 1, 1, min_ballots=2, ballots=(
        r.BallotFact("班子成员", {"rating": "满意"}), r.BallotFact("班子成员", {"rating": "基本满意"}),
        r.BallotFact("党员代表", {"rating": "不满意"})))
    breakdown = r.review_breakdown(vote)
    assert breakdown["summary"] == {"满意": 1, "基本满意": 1, "不满意": 1}
    groups = {g["group"]: g for g in breakdown["groups"]}
    assert groups["班子成员"]["summary"] == {"满意": 1, "基本满意": 1, "不满意": 0}
    assert groups["党员代表"] == {"group": "党员代表", "ballots": 1, "shown": False, "weight": 1.0, "summary": {}}


def test_unit_presence():
    assert r.unit_presence(["leave", "deputized"]) == "present"
    assert r.unit_presence(["leave", "leave"]) == "leave"
    assert r.unit_presence(["leave", "expected"]) == "absent"
    assert r.unit_presence(["absent"]) == "absent"
    assert r.unit_presence([]) is None


# Missing components


def test_leave_at_every_meeting_is_excused_and_the_weights_renormalise():
    data = quarter(1, attendance=[r.Attendance(M1, 1, ("leave",))], daily={1: 80},
                   settings=r.Settings(weights={"called": 40, "all": 20, "review": 40, "daily": 20}))
    score = r.compute_quarter(data)[0]
    assert {k: c.status for k, c in score.components.items()} == {
        "called": "excused", "all": "excused", "review": "excused", "daily": "ok"}
    assert score.components["called"].value is None and score.components["called"].basis == "请假1次会议，不计入"
    assert score.total == 80  # only 日常考核 counts


def test_absence_counts_zero_and_is_shown():
    data = quarter(2, attendance=[*present(1, M1), r.Attendance(M1, 2, ("absent", "expected"))],
                   called=[called(1, 8)], all_rounds=[all_rec(1, 2, 1)], reviews=[rated(1, "满意")])
    scores = by_unit(r.compute_quarter(data))
    absent = scores[2].components
    assert {k: (c.value, c.status) for k, c in absent.items()} == {
        "called": (0.0, "absent"), "all": (0.0, "absent"), "review": (0.0, "absent"), "daily": (None, "none")}
    assert absent["called"].basis == "缺席1次会议，计0分"
    assert scores[2].total == 0.0 and scores[2].rank == 2
    assert scores[1].total == pytest.approx((40 * 80 + 20 * 50 + 40 * 100) / 100)


def test_no_data_while_present_is_left_out_not_zero():
    data = quarter(2, called=[called(1, 10)], all_rounds=[all_rec(1, 1, 1), all_rec(2, 2, 1)],
                   reviews=[rated(1, "满意"), rated(2, "基本满意")])
    unit2 = by_unit(r.compute_quarter(data))[2]
    assert (unit2.components["called"].status, unit2.components["called"].basis) == ("none", "未被点名")
    assert unit2.total == round((20 * 50 + 40 * 60) / 60, 2)


def test_absent_at_one_meeting_and_present_at_another_without_data_counts_as_absent():
    data = quarter(2, held={"called": {M1, M2}, "all": set(), "review": set()}, called=[called(1, 10)],
                   attendance=[*present(1, M1, M2), *present(2, M1), r.Attendance(M2, 2, ("absent",))])
    unit2 = by_unit(r.compute_quarter(data))[2]
    assert unit2.components["called"].status == "absent"
    data.attendance = [*present(1, M1, M2), *present(2, M1), r.Attendance(M2, 2, ("leave",))]
    assert by_unit(r.compute_quarter(data))[2].components["called"].status == "none"


def test_data_despite_an_absence_is_ok_and_says_so():
    data = quarter(1, held={"called": {M1, M2}}, called=[called(1, 6, meeting=M1)],
                   attendance=[*present(1, M1), r.Attendance(M2, 1, ("absent",))])
    component = r.compute_quarter(data)[0].components["called"]
    assert (component.value, component.status) == (60.0, "ok")
    assert component.basis == "1次点名，平均6分（满分10分）（另缺席1次会议）"


def test_a_component_never_held_is_none_and_a_unit_with_nothing_has_no_total():
    data = quarter(2, held={"called": {M1}}, called=[called(1, 7)])
    unit2 = by_unit(r.compute_quarter(data))[2]
    assert unit2.components["all"].status == "none" and unit2.components["all"].basis == "本季度未开展"
    assert unit2.components["called"].status == "none"
    assert (unit2.total, unit2.rank, unit2.bottom, unit2.proposed_grade) == (None, None, False, "")


def test_weights_come_from_the_settings_and_zero_weight_never_counts():
    data = quarter(1, called=[called(1, 10)], all_rounds=[all_rec(1, 2, 1)], reviews=[rated(1, "不满意")],
                   daily={1: 70}, settings=r.Settings.from_stored({"daily": 50, "review": 0}, None, None))
    score = r.compute_quarter(data)[0]
    assert score.components["daily"].weight == 50 and score.components["review"].weight == 0
    assert score.total == pytest.approx((40 * 100 + 20 * 50 + 50 * 70) / 110, abs=0.005)
    assert r.Settings.from_stored(None, {"weak": 50}, None).thresholds == {"excellent": 90, "weak": 50}


def test_several_meetings_pool_their_rounds_and_ballots():
    data = quarter(1, held={"called": {M1, M2}, "all": {M1, M2}, "review": {M1, M2}},
                   attendance=present(1, M1, M2),
                   called=[called(1, 10, meeting=M1), called(1, 4, meeting=M2)],
                   all_rounds=[all_rec(1, 2, 2, attendee=1, meeting=M1), all_rec(1, 4, 1, attendee=2, meeting=M2)],
                   reviews=[rated(1, "满意", meeting=M1), rated(1, "不满意", "满意", "满意", meeting=M2)])
    score = r.compute_quarter(data)[0]
    assert [score.components[k].value for k in ("called", "all", "review")] == [70.0, 62.5, 75.0]
    assert score.total == pytest.approx((40 * 70 + 20 * 62.5 + 40 * 75) / 100, abs=0.005)


# Ranking and tie-breaks


def scored(unit_id: int, position: int, total: float | None, **values: float | None) -> r.UnitScore:
    components = {key: r.Component(values.get(key), "ok" if values.get(key) is not None else "none", 1, "")
                  for key in r.COMPONENTS}
    return r.UnitScore(unit_id, f"单位{unit_id}", position, components, total)


def order(scores: list[r.UnitScore], bottom_n: int = 0) -> list[int]:
    return [s.unit_id for s in r.rank_units(scores, bottom_n)]


def test_total_decides_first():
    assert order([scored(1, 1, 70.0), scored(2, 2, 90.0), scored(3, 3, 80.0)]) == [2, 3, 1]


def test_equal_totals_go_to_the_higher_review():
    assert order([scored(1, 1, 70.0, review=60, called=80), scored(2, 2, 70.0, review=80, called=60)]) == [2, 1]


def test_then_the_higher_called():
    assert order([scored(1, 1, 72.0, review=70, called=70, all=80),
                  scored(2, 2, 72.0, review=70, called=80, all=60)]) == [2, 1]


def test_then_the_higher_all():
    assert order([scored(1, 1, 72.0, review=70, called=70, all=60),
                  scored(2, 2, 72.0, review=70, called=70, all=80)]) == [2, 1]


def test_then_display_order_whatever_order_they_come_in():
    tied = [scored(1, 5, 72.0, review=70), scored(2, 3, 72.0, review=70), scored(3, 4, 72.0, review=70)]
    assert order(tied) == [2, 3, 1]
    assert order(list(reversed(tied))) == [2, 3, 1]
    assert [s.rank for s in r.rank_units(tied, 0)] == [1, 2, 3]


def test_a_left_out_component_sorts_below_any_value_in_a_tie_break():
    assert order([scored(1, 1, 70.0, review=None, called=90), scored(2, 2, 70.0, review=0, called=10)]) == [2, 1]


def test_tie_breaks_through_the_whole_formula():
    """Equal totals from different components: the formula's own output goes through the tie-breaks."""
    data = quarter(2, called=[called(1, 8), called(2, 7)], all_rounds=[all_rec(1, 5, 3), all_rec(2, 5, 4)],
                   reviews=[rated(1, "满意", "满意", "不满意"), rated(2, "满意", "满意", "不满意")])
    scores = r.compute_quarter(data)
    assert scores[0].total == scores[1].total
    assert [s.unit_id for s in scores] == [1, 2]  # same 述职评议, higher 点名答题 first


def test_at_equal_totals_a_unit_that_came_ranks_above_one_absent_without_leave():
    """Unit 1 (first in display order) stayed away without leave: every component 缺席, counted 0. Unit 2 came,
    was called and answered wrong, answered every 全员 question wrong and was rated 不满意: 0 too. Before,
    the display order put unit 2 last (the issue's 市发改委 at 0.00); the one that came now ranks above."""
    data = quarter(2, called=[called(2, 0)], all_rounds=[all_rec(2, 5, 0)], reviews=[rated(2, "不满意")],
                   attendance=[r.Attendance(M1, 1, ("absent",)), *present(2, M1)])
    scores = r.compute_quarter(data)
    assert [(s.unit_id, s.total, r.absences(s)) for s in scores] == [(2, 0.0, 0), (1, 0.0, 3)]
    assert order([scored(1, 1, 0.0, called=0), scored(2, 2, 0.0, called=0)]) == [1, 2]  # both came: display order


def test_unranked_units_come_last_in_display_order_without_rank():
    ranked = r.rank_units([scored(1, 2, None), scored(2, 1, None), scored(3, 3, 50.0)], 3)
    assert [(s.unit_id, s.rank, s.bottom) for s in ranked] == [(3, 1, True), (2, None, False), (1, None, False)]


# Bottom N, repeat bottom, grades


def test_the_last_n_ranked_units_are_flagged_bottom():
    scores = [scored(n, n, 100.0 - n) for n in range(1, 6)]
    ranked = r.rank_units(scores, 3)
    assert [s.unit_id for s in ranked if s.bottom] == [3, 4, 5]
    assert not any(s.bottom for s in r.rank_units([scored(n, n, 100.0 - n) for n in range(1, 6)], 0))


def test_repeat_bottom_needs_bottom_now_and_in_the_previous_quarter():
    scores = [scored(n, n, 100.0 - n) for n in range(1, 6)]
    ranked = r.rank_units(scores, 2, previous_bottom=frozenset({1, 5}))
    assert [(s.unit_id, s.bottom, s.repeat_bottom) for s in ranked if s.bottom or s.repeat_bottom] == [
        (4, True, False), (5, True, True)]


@pytest.mark.parametrize(("total", "grade"), [(100.0, "先进"), (90.0, "先进"), (89.99, "一般"), (60.0, "一般"),
                                              (59.99, "软弱涣散"), (0.0, "软弱涣散"), (None, "")])
def test_proposed_grades(total, grade):
    assert r.proposed_grade(total, r.DEFAULT_THRESHOLDS) == grade


def test_thresholds_are_the_quarters_own():
    assert r.proposed_grade(85.0, {"excellent": 85, "weak": 70}) == "先进"
    assert r.proposed_grade(69.0, {"excellent": 85, "weak": 70}) == "软弱涣散"


def test_compute_quarter_ranks_flags_and_grades_together():
    data = quarter(4, called=[called(1, 10), called(2, 9), called(3, 7), called(4, 3)],
                   all_rounds=[all_rec(n, 1, 1) for n in range(1, 5)],
                   reviews=[rated(n, "满意") for n in range(1, 5)],
                   settings=r.Settings(bottom_n=2), previous_bottom=frozenset({4}))
    scores = r.compute_quarter(data)
    assert [(s.unit_id, s.rank, s.total, s.bottom, s.repeat_bottom, s.proposed_grade) for s in scores] == [
        (1, 1, 100.0, False, False, "先进"), (2, 2, 96.0, False, False, "先进"),
        (3, 3, 88.0, True, False, "一般"), (4, 4, 72.0, True, True, "一般")]
    assert scores[0].components["called"].as_json() == {"value": 100.0, "status": "ok", "weight": 40.0,
                                                         "basis": "1次点名，平均10分（满分10分）"}
