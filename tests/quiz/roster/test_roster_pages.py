"""The roster's pages through the test client: units, people, moving and leaving, permissions, escaping, and
every path of the browser import. Every form posts a real CSRF token."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
from sqlalchemy import func, select

from core.accounts.roles import Role
from question_bank.models import PendingImport
from quiz.live.meetings import MeetingPlan, create_meeting
from quiz.live.models import Attendee
from quiz.roster import service as roster
from quiz.roster.models import Person, Unit
from tests.factories import csrf_token, follow_job, login, make_user

HEADER = "单位,单位类型,姓名,职务,第一责任人,分组"


def editor(client, session):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.EDITOR))
    return client


def post(client, path: str, data: dict, page: str = "/roster/", **kw):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)}, **kw)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count(model.id)))


def two_units(session):  # type: ignore[no-untyped-def]
    county, bureau = roster.add_unit(session, "甲县", "县(市、区)"), roster.add_unit(session, "市教育局", "市直单位")
    session.commit()
    return county, bureau


# Permissions and escaping


def test_anonymous_visitors_are_sent_to_the_login_page(client, session):
    for path in ["/roster/", "/roster/units", "/roster/people/new", "/roster/import", "/roster/template.xlsx"]:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path


def test_hosts_may_look_but_not_change(client, session):
    county, _ = two_units(session)
    person = roster.add_person(session, "张一", "县委书记", county, is_secretary=True)
    session.commit()
    login(client, make_user(session, Role.HOST))
    page = text(client.get("/roster/"))
    assert "张一" in page and "新增人员" not in page and "标为离任" not in page
    assert 'href="/roster/"' in page  # the nav link
    units = text(client.get("/roster/units"))
    assert "甲县" in units and "添加单位" not in units
    for path in ["/roster/people/new", f"/roster/people/{person.id}", "/roster/import", "/roster/template.xlsx"]:
        assert client.get(path).status_code == 403, path
    for path, data in [("/roster/units", {"name": "乙县"}), (f"/roster/units/{county.id}/active", {"active": "0"}),
                       (f"/roster/people/{person.id}/active", {"active": "0"}), ("/roster/people/new", {"name": "x"})]:
        assert post(client, path, data).status_code == 403, path
    assert count(session, Unit) == 2 and session.get(Person, person.id).active


def test_names_are_escaped_on_every_page(client, session):
    county, _ = two_units(session)
    person = roster.add_person(session, "<script>alert(1)</script>", "<b>职务</b>", county, groups=["<i>组</i>"])
    roster.edit_unit(session, county, "<img src=x>县", "")
    session.commit()
    editor(client, session)
    for path in ["/roster/", "/roster/units", f"/roster/people/{person.id}", f"/roster/?unit={county.id}"]:
        page = text(client.get(path))
        assert "<script>alert(1)" not in page and "<b>职务" not in page and "<img src=x>" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;img src=x&gt;" in page, path
    flashed = text(post(client, f"/roster/people/{person.id}/active", {"active": "0"}, follow_redirects=True))
    assert "&lt;script&gt;" in flashed and "<script>alert" not in flashed


def test_every_form_carries_a_csrf_token(client, session):
    county, _ = two_units(session)
    person = roster.add_person(session, "张一", "", county)
    session.commit()
    editor(client, session)
    for path in ["/roster/", "/roster/units", "/roster/people/new", f"/roster/people/{person.id}", "/roster/import"]:
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", text(client.get(path)), flags=re.S)
        assert forms and all('name="csrf_token"' in form for form in forms), path
    assert client.post("/roster/units", data={"name": "乙县"}).status_code == 400


# Units


def test_units_are_added_renamed_reordered_and_stopped(client, session):
    editor(client, session)
    refused = post(client, "/roster/units", {"name": " ", "kind": ""}, "/roster/units")
    assert refused.status_code == 422 and "请填写单位名称" in text(refused)
    post(client, "/roster/units", {"name": "甲县", "kind": "县(市、区)"}, "/roster/units")
    post(client, "/roster/units", {"name": "市教育局", "kind": ""}, "/roster/units")
    twice = post(client, "/roster/units", {"name": "甲县", "kind": ""}, "/roster/units")
    assert twice.status_code == 422 and "已有单位“甲县”" in text(twice) and 'value="甲县"' in text(twice)
    odd = post(client, "/roster/units", {"name": "乙县", "kind": "机关"}, "/roster/units")
    assert "无法识别的单位类型“机关”" in text(odd)
    ids = {u.name: u.id for u in session.scalars(select(Unit))}
    renamed = post(client, f"/roster/units/{ids['市教育局']}", {"name": "市教育体育局", "kind": "市直单位"},
                   "/roster/units", follow_redirects=True)
    assert "已保存单位“市教育体育局”" in text(renamed)
    clash = post(client, f"/roster/units/{ids['市教育局']}", {"name": "甲县", "kind": ""}, "/roster/units",
                 follow_redirects=True)
    assert "已有单位“甲县”" in text(clash)
    post(client, f"/roster/units/{ids['市教育局']}/move", {"direction": "up"}, "/roster/units")
    session.expire_all()
    assert [(u.name, u.kind) for u in roster.units(session)] == [("市教育体育局", "市直单位"), ("甲县", "县(市、区)")]
    post(client, f"/roster/units/{ids['甲县']}/active", {"active": "0"}, "/roster/units")
    session.expire_all()
    assert [u.name for u in roster.units(session)] == ["市教育体育局"]
    page = text(post(client, f"/roster/units/{ids['甲县']}/active", {"active": "1"}, "/roster/units",
                     follow_redirects=True))
    assert "已恢复单位“甲县”" in page


# People


def test_a_person_is_added_with_errors_beside_fields_then_edited(client, session):
    county, bureau = two_units(session)
    editor(client, session)
    bad = post(client, "/roster/people/new", {"name": "", "position": "职" * 61, "unit_id": ""}, "/roster/people/new")
    page = text(bad)
    assert bad.status_code == 422 and "有 3 处需要修改" in page
    assert all(message in page for message in ["请填写姓名", "职务不能超过60字", "请选择单位"])
    fields = {"name": "张一", "position": "县委书记", "unit_id": county.id, "is_secretary": "1",
              "groups": "班子成员，党员代表、班子成员"}
    done = post(client, "/roster/people/new", fields, "/roster/people/new", follow_redirects=True)
    assert "已保存“张一”" in text(done)
    person = session.scalar(select(Person))
    assert (person.unit_id, person.is_secretary, person.groups) == (county.id, True, ["班子成员", "党员代表"])
    second = post(client, "/roster/people/new", {**fields, "name": "李二"}, "/roster/people/new")
    assert second.status_code == 422 and "“甲县”已有第一责任人“张一”" in text(second) and 'value="李二"' in text(second)
    edited = post(client, f"/roster/people/{person.id}", {**fields, "position": "市委常委、县委书记", "groups": ""},
                  f"/roster/people/{person.id}")
    assert edited.status_code == 302
    session.expire_all()
    assert (person.position, person.groups) == ("市委常委、县委书记", [])
    assert client.get("/roster/people/9999").status_code == 404


def test_moving_a_person_keeps_an_existing_meetings_snapshot(client, session):
    county, bureau = two_units(session)
    person = roster.add_person(session, "张一", "县委书记", county, is_secretary=True, groups=["班子成员"])
    meeting = create_meeting(session, MeetingPlan("2026Q4 书记问效会", "2026Q4", date(2026, 11, 22), [county.id]))
    session.commit()
    editor(client, session)
    page = f"/roster/people/{person.id}"
    missing = post(client, f"{page}/move", {"unit_id": ""}, page, follow_redirects=True)
    assert "请选择要调入的单位" in text(missing)
    moved = post(client, f"{page}/move", {"unit_id": bureau.id, "position": "局长", "is_secretary": "1"}, page,
                 follow_redirects=True)
    assert "已将“张一”调至“市教育局”" in text(moved)
    session.expire_all()
    assert (person.unit_id, person.position, person.is_secretary) == (bureau.id, "局长", True)
    attendee = session.scalar(select(Attendee).where(Attendee.meeting_id == meeting.id))
    assert (attendee.unit_id, attendee.name, attendee.position, attendee.is_secretary, attendee.groups) == (
        county.id, "张一", "县委书记", True, ["班子成员"])


def test_a_second_secretary_cannot_be_moved_in(client, session):
    county, bureau = two_units(session)
    roster.add_person(session, "张一", "县委书记", county, is_secretary=True)
    other = roster.add_person(session, "王三", "局长", bureau, is_secretary=True)
    session.commit()
    editor(client, session)
    page = f"/roster/people/{other.id}"
    refused = post(client, f"{page}/move", {"unit_id": county.id, "is_secretary": "1"}, page, follow_redirects=True)
    assert "“甲县”已有第一责任人“张一”" in text(refused)
    session.expire_all()
    assert other.unit_id == bureau.id


def test_a_person_who_leaves_is_listed_under_left_and_can_return(client, session):
    county, bureau = two_units(session)
    person = roster.add_person(session, "张一", "县委书记", county)
    roster.add_person(session, "王三", "局长", bureau)
    session.commit()
    editor(client, session)
    gone = post(client, f"/roster/people/{person.id}/active", {"active": "0", "back": "https://evil.example/"})
    assert gone.headers["Location"] == "/roster/"  # only same-site redirects
    active = text(client.get("/roster/"))
    assert "已将“张一”标为离任" in active and "<td>张一</td>" not in active and "<td>王三</td>" in active
    left = text(client.get("/roster/?status=left"))
    assert "<td>张一</td>" in left and "<td>王三</td>" not in left and "恢复在册" in left
    only_bureau = text(client.get(f"/roster/?unit={bureau.id}&status=all"))
    assert "<td>王三</td>" in only_bureau and "<td>张一</td>" not in only_bureau
    back = post(client, f"/roster/people/{person.id}/active", {"active": "1", "back": "/roster/?status=left"})
    assert back.headers["Location"] == "/roster/?status=left"
    session.expire_all()
    assert person.active


# Import


def upload(client, data: bytes, name: str):  # type: ignore[no-untyped-def]
    """The upload's check (a job, run inline in tests): the report it leads to, or its page with the reason."""
    return follow_job(client, client.post("/roster/import", data={"file": (io.BytesIO(data), name), "csrf_token":
                      csrf_token(client, "/roster/import")}, content_type="multipart/form-data"))


def commit(client, token: str, action: str):  # type: ignore[no-untyped-def]
    """The commit (a job): the page of what it stored, or the job's page with the reason it failed."""
    return follow_job(client, post(client, f"/roster/import/{token}", {"action": action}, "/roster/import"))


def token_of(page: str) -> str:
    return re.search(r'action="/roster/import/([^"]+)"', page).group(1)


FILE = "\n".join([
    HEADER,
    "甲县,,王五,副书记,是,",               # 2: 甲县 already has a secretary
    "甲县,,李二,,,",                      # 3: duplicate of a person on the roster
    "甲县,,赵六,组织部部长,,班子成员、党员代表",
    "新局,国有企业,<script>x</script>,董事长,是,",
    "新局,直属,吴十,,,",                   # 6: unknown kind
    ",,,,,分组",                          # 7: no unit, no name
])


def test_import_reports_problems_refuses_all_then_commits_valid_rows(client, session):
    county, _ = two_units(session)
    roster.add_person(session, "张一", "县委书记", county, is_secretary=True)
    roster.add_person(session, "李二", "县长", county)
    session.commit()
    editor(client, session)
    report = upload(client, FILE.encode("gb18030"), "名册.csv")
    page = text(report)
    assert report.status_code == 200 and count(session, Person) == 2
    for row, column, reason in [(2, "第一责任人", "“甲县”在名册中已有第一责任人“张一”"),
                                (6, "单位类型", "无法识别的单位类型“直属”"),
                                (7, "单位", "请填写单位名称"), (7, "姓名", "请填写姓名")]:
        assert f"<td>第{row}行</td><td>{column}</td><td>{reason}" in page
    assert re.search(r'id="importable-count">2<', page) and re.search(r'id="duplicate-count">1<', page)
    assert "名册中已有此人" in page and 'id="new-units">新局<' in page
    assert "<script>x</script>" not in page
    token = token_of(page)
    refused = commit(client, token, "all")
    assert "有3行存在问题，不能全部导入" in text(refused) and "失败" in text(refused)
    assert count(session, Person) == 2 and count(session, Unit) == 2
    odd = post(client, f"/roster/import/{token}", {"action": "everything"}, "/roster/import")
    assert odd.status_code == 400 and "未知的操作" in text(odd)
    done = text(commit(client, token, "valid"))
    assert re.search(r'id="created-count">2<', done) and "第2行、第6行、第7行" in done and "跳过重复的人员 1 行" in done
    assert count(session, Person) == 4 and session.scalar(select(Unit).where(Unit.name == "新局")).kind == "国有企业"
    assert session.scalar(select(Person).where(Person.name == "赵六")).groups == ["班子成员", "党员代表"]
    again = post(client, f"/roster/import/{token}", {"action": "valid"}, "/roster/import", follow_redirects=True)
    assert "导入已完成、已取消或已过期" in text(again) and count(session, Person) == 4


def test_import_of_an_all_good_xlsx_commits_all(client, session):
    editor(client, session)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/roster/template.xlsx").data))
    assert workbook.sheetnames == ["名册", "填写说明"]
    workbook["名册"].append(["甲县", "县(市、区)", "张一", "县委书记", "是", "班子成员"])
    workbook["名册"].append(["甲县", "", "李二", "县长", "否", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = text(upload(client, buffer.getvalue(), "名册.xlsx"))
    assert "有问题的行" not in page
    done = text(commit(client, token_of(page), "all"))
    assert re.search(r'id="created-count">2<', done) and re.search(r'id="created-units">1<', done)
    assert [p.name for p in roster.people(session)] == ["张一", "李二"]


def test_import_rechecks_the_roster_at_commit(client, session):
    county, _ = two_units(session)
    editor(client, session)
    page = text(upload(client, f"{HEADER}\n甲县,,张一,县委书记,是,\n".encode(), "名册.csv"))
    roster.add_person(session, "张一", "县委书记", county, is_secretary=True)  # added meanwhile, by hand
    session.commit()
    done = text(commit(client, token_of(page), "all"))
    assert re.search(r'id="created-count">0<', done) and count(session, Person) == 1


def test_unusable_uploads_are_refused_with_a_reason(client, session):
    editor(client, session)
    missing = client.post("/roster/import", data={"csrf_token": csrf_token(client, "/roster/import")})
    assert missing.status_code == 400 and "请选择要导入的文件" in text(missing)
    for data, name, reason in [
        (b"", "名册.csv", "文件是空的"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "名册.xls", "另存为 .xlsx"),
        (b"[]", "名册.json", "名册只能从 .xlsx 或 .csv 文件导入"),
        (b"not a workbook", "名册.xlsx", "内容不是 Excel 工作簿"),
        ("姓名,职务\n张一,书记\n".encode(), "名册.csv", "表头缺少“单位”列"),
        ("题型,题干,答案\n单选,x,A\n".encode(), "题库.csv", "表头缺少“单位、姓名”列"),
    ]:
        response = upload(client, data, name)  # the check job fails with the reason, on its page
        assert reason in text(response) and "失败" in text(response), name
    assert session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_cancel_and_tokens_that_are_not_this_users_roster_upload(client, session, app):
    editor(client, session)
    page = text(upload(client, f"{HEADER}\n甲县,,张一,,,\n".encode(), "名册.csv"))
    cancelled = post(client, f"/roster/import/{token_of(page)}", {"action": "cancel"}, "/roster/import",
                     follow_redirects=True)
    assert "已取消导入" in text(cancelled)
    assert count(session, Person) == 0 and session.scalar(select(func.count()).select_from(PendingImport)) == 0
    page = text(upload(client, f"{HEADER}\n甲县,,张一,,,\n".encode(), "名册.csv"))
    other = app.test_client()
    login(other, make_user(session, Role.EDITOR))
    stolen = post(other, f"/roster/import/{token_of(page)}", {"action": "valid"}, "/roster/import",
                  follow_redirects=True)
    assert "导入已完成、已取消或已过期" in text(stolen) and count(session, Person) == 0
    question_file = io.BytesIO("题型,题干,答案\n判断,党员有八项权利。,对\n".encode())
    bank = text(follow_job(client, client.post("/bank/import", content_type="multipart/form-data", data={
        "file": (question_file, "题库.csv"), "csrf_token": csrf_token(client, "/bank/import")})))
    bank_token = re.search(r'action="/bank/import/([^"]+)"', bank).group(1)
    wrong = post(client, f"/roster/import/{bank_token}", {"action": "all"}, "/roster/import", follow_redirects=True)
    # A bank import's check (a job) is not a roster import's staged upload.
    assert "导入已完成、已取消或已过期" in text(wrong) and count(session, Person) == 0


def test_the_roster_exports_as_a_job_and_imports_again(client, session, app):
    editor(client, session)
    rows = f"{HEADER}\n甲县,县(市、区),张一,县委书记,是,第一组\n甲县,,=李二,副书记,,\n乙局,市直单位,王三,局长,是,\n"
    commit(client, token_of(text(upload(client, rows.encode(), "名册.csv"))), "all")
    assert count(session, Person) == 3
    from tests.factories import job_download

    exported = job_download(client, "/roster/export", "/roster/")
    workbook = openpyxl.load_workbook(io.BytesIO(exported.data))
    values = [[cell.value or "" for cell in row] for row in workbook["名册"].iter_rows()]
    assert values[1:] == [["甲县", "县(市、区)", "张一", "县委书记", "是", "第一组"],
                          ["甲县", "县(市、区)", "=李二", "副书记", "", ""],
                          ["乙局", "市直单位", "王三", "局长", "是", ""]]
    assert workbook["名册"]["A3"].data_type == "s"  # "=李二" stays text
    again = text(upload(client, exported.data, "导出.xlsx"))
    assert 'id="duplicate-count">3<' in again  # everyone is already on the roster
