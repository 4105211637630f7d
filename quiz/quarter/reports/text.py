"""Pure formatting shared by the reports: labels, numbers, statuses in words, dates, the rules' wording."""

from __future__ import annotations

from datetime import date
from typing import Any

from quiz.live.results import percent_text as percent_text  # the live wing's attendance rate uses it too

COMPONENTS = {"called": "点名答题", "all": "全员答题", "review": "述职评议", "daily": "日常考核"}
STATUS_WORDS = {"excused": "请假（不计）", "absent": "缺席（计0分）", "none": "无数据（不计）"}
GRADES = ("先进", "一般", "软弱涣散")
QUARTER_NAMES = {"1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}
FORMAT_LINE = "文件格式：书记问效季度考评 版本 1"
ISSUER = "中共××市委组织部"
RECIPIENTS = "各县（市、区）委组织部，市直各单位党组（党委）："
# The wording of the rules quiz/quarter/ranking.py implements (see its docstrings); keep the two in step.
MISSING_RULE = ("分项为“请假”（举行该分项的会议均请假）或“无数据”（如出席但未被点名、未导入日常考核）的，"
                "不计入总分，总分按计入分项的权重重新折算：总分 = Σ(权重×得分) ÷ Σ权重；"
                "分项为“缺席”（有会议缺席或未签到）的，计0分。")
TIE_BREAK_RULE = ("总分相同的，缺席分项少的在前（到会作答得0分的单位排在无故缺席的单位之前）；仍相同的，"
                  "依次比较述职评议、点名答题、全员答题得分，高者在前（不计入的分项排在任何得分之后，"
                  "缺席的分项按0分比较）；仍相同的，按单位排列顺序。名次不并列；没有总分的单位不排名，列于最后。")
MODE_LABELS = {"called": "点名作答", "all": "全员作答"}
VOTE_LABELS = {"pending": "未开始", "open": "投票中", "closed": "已截止（未公布）", "revealed": "已公布"}
KEPT_LABELS = {"kept": "已兑现", "partly": "部分兑现", "not_kept": "未兑现", None: "待评定"}
COMMITMENT_KINDS = {"problem": "晒问题", "plan": "谈打算"}


# pure formatting ------------------------------------------------------------------------------------

def quarter_label(quarter: str) -> str:
    """2026Q4 → 2026年第四季度."""
    year, _, number = quarter.partition("Q")
    return f"{year}年{QUARTER_NAMES.get(number, number)}"


def chinese_date(day: date) -> str:
    """2026-11-22 → 2026年11月22日."""
    return f"{day.year}年{day.month}月{day.day}日"


def number_text(value: float | None) -> str:
    """A score with two decimals, or a dash when there is none."""
    return "—" if value is None else f"{value:.2f}"


def component_text(component: dict[str, Any] | None) -> str:
    """A component's value, or its status in words: 请假（不计）, 缺席（计0分）, 无数据（不计）."""
    if not component:
        return STATUS_WORDS["none"]
    status = component.get("status", "ok")
    if status in STATUS_WORDS:
        return STATUS_WORDS[status]
    return number_text(component.get("value"))


def flags_text(bottom: bool, repeat_bottom: bool) -> str:
    """排名靠后 / 连续靠后, joined with 、."""
    return "、".join(word for word, on in (("排名靠后", bottom), ("连续靠后", repeat_bottom)) if on)


def grade_text(grade: str, proposed: str) -> str:
    """The confirmed grade, else the proposed one marked 拟."""
    return grade or (f"{proposed}（拟）" if proposed else "")


def weight_shares(weights: dict[str, float], keys: list[str]) -> list[tuple[str, str]]:
    """Each component's label and its share of the weights ("30%"), whatever scale they were entered in."""
    total = sum(float(weights.get(key) or 0) for key in keys)
    return [(COMPONENTS.get(key, key), f"{round(100 * float(weights.get(key) or 0) / total, 1):g}%" if total else "—")
            for key in keys]


def doc_number(quarter: str) -> str:
    """The 文号 placeholder staff fill in: ×组通〔2026〕×号."""
    return f"×组通〔{quarter.partition('Q')[0]}〕×号"


