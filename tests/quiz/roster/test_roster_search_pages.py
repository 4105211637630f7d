"""The roster page's search (a GET form): by name, unit, 职务 or pinyin initials, with the unit and status
filters, and the form keeps what was typed."""

from __future__ import annotations

from core.accounts.roles import Role
from quiz.roster import service as roster
from tests.factories import login, make_user


def _people(session):  # type: ignore[no-untyped-def]
    county, bureau = roster.add_unit(session, "甲县", "县(市、区)"), roster.add_unit(session, "市教育局", "市直单位")
    roster.add_person(session, "赵示一", "县委书记", county, is_secretary=True)
    roster.add_person(session, "钱示二", "组织部部长", county)
    roster.add_person(session, "单雄信", "局长", bureau)
    gone = roster.add_person(session, "孙离任", "副局长", bureau)
    roster.set_person_active(session, gone, False)
    session.commit()
    return county, bureau


def _names(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get("/roster/?" + query).get_data(as_text=True)
    return [name for name in ("赵示一", "钱示二", "单雄信", "孙离任") if f"<td>{name}</td>" in page]


def test_search_by_name_initials_unit_and_position(client, session):
    county, bureau = _people(session)
    login(client, make_user(session, Role.HOST))
    assert _names(client, "q=示") == ["赵示一", "钱示二"]
    assert _names(client, "q=zsy") == ["赵示一"]
    assert _names(client, "q=SXX") == ["单雄信"]  # 单 read as a surname (shàn)
    assert _names(client, "q=教育") == ["单雄信"]  # the unit's name
    assert _names(client, "q=部长") == ["钱示二"]
    assert _names(client, f"q=示&unit={bureau.id}") == []
    assert _names(client, "q=孙") == [] and _names(client, "q=孙&status=left") == ["孙离任"]


def test_a_search_lists_only_units_with_a_match_and_keeps_the_query(client, session):
    _people(session)
    login(client, make_user(session, Role.HOST))
    page = client.get("/roster/?q=zsy").get_data(as_text=True)
    assert page.count('class="card roster-unit"') == 1 and "市教育局" not in page.split('class="card roster-unit"')[1]
    assert 'name="q" value="zsy"' in page and "符合“zsy”" in page
    empty = client.get("/roster/?q=<b>无此人").get_data(as_text=True)
    assert "没有符合条件的人员（搜索“&lt;b&gt;无此人”）" in empty


def test_the_import_report_quotes_each_bad_row_and_suggests_a_fix(client, session):
    from tests.quiz.roster.test_roster_pages import upload

    login(client, make_user(session, Role.EDITOR))
    data = "单位,单位类型,姓名,职务,第一责任人,分组\n甲县,县区,<i>张三</i>,县委书记,1,\n乙县,,李四,书记,是,\n"
    page = upload(client, data.encode("gb18030"), "名册.csv").get_data(as_text=True)
    assert page.count('<td class="fix">') == 2
    assert '<td class="fix">单位类型请写“县(市、区)”</td>' in page and '<td class="fix">第一责任人请填“是”</td>' in page
    assert ('<td class="row-text">单位：甲县 | 单位类型：县区 | 姓名：&lt;i&gt;张三&lt;/i&gt; | 职务：县委书记 | '
            '第一责任人：1</td>') in page
    assert 'id="importable-count">1<' in page
