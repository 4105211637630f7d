"""The bank's import report page and its CSV of problems: each bad row's text beside row, column and reason,
and the suggested fix where one is known (tests/question_bank/test_fixes.py has the rules)."""

from __future__ import annotations

import re

from tests.question_bank.test_editor_views import editor_client, upload

FILE = (
    "题型,题干,选项A,选项B,答案\n"
    "填空,好干部标准：信念坚定、（　　）、勤政务实、（　　）,,,为民服务、敢于担当\n"
    "单选,<b>党的根本宗旨</b>是（　　）\u202e,全心全意为人民服务,发展经济,全心全意为人民服务\n"
    "判断,党员有八项权利。,,,对的\n"
    "单选,党的最高理想是（　　）,实现共产主义,发家致富,A\n"
)


def test_the_report_shows_each_bad_rows_text_and_a_fix(client, session):
    editor_client(client, session)
    page = upload(client, FILE.encode(), "题库.csv").get_data(as_text=True)
    cells = re.findall(r'<td class="fix">(.*?)</td><td class="row-text">(.*?)</td>', page)
    assert [fix for fix, _ in cells] == [
        "答案请写成“为民服务|敢于担当”：各空的答案之间用 | 分隔，不要用“、”或“，”",
        "答案请填选项字母“A”，不要填选项的内容",
        "判断题的答案请只写“正确”（也可写 对、√）"]
    assert cells[0][1] == ("题型：填空 | 题干：好干部标准：信念坚定、（　　）、勤政务实、（　　） | "
                           "答案：为民服务、敢于担当")
    # The row's own markup is text, and the right-to-left override that would reverse the line is named.
    assert "题干：&lt;b&gt;党的根本宗旨&lt;/b&gt;是（　　）⟨U+202E⟩" in cells[1][1] and "\u202e" not in page
    assert "<th>建议修改</th>" in page and 'id="importable-count">1<' in page


def test_the_problems_csv_has_the_fix(client, session):
    editor_client(client, session)
    lines = ["题型,题干,选项A,选项B,答案"] + [f"单选,题{n}（　　）,甲,乙,D" for n in range(5)]
    page = upload(client, "\n".join(lines).encode(), "题库.csv").get_data(as_text=True)
    job_id = re.search(r'action="/bank/import/(\d+)"', page).group(1)
    with client.get(f"/jobs/{job_id}/download") as response:
        csv_text = response.get_data().decode("utf-8-sig").splitlines()
    assert csv_text[0] == "行,列,原因,该行内容,建议修改" and len(csv_text) == 6
    assert csv_text[1].endswith("答案“D”用到选项D，但“选项D”列是空的：请补上选项D的内容，或把答案改为 A–B 中的字母")
