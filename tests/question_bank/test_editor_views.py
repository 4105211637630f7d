"""The editor's pages through the test client: create/edit/delete, bulk actions, categories, preview, and
the browser import flow. Every form posts a real CSRF token."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from core.accounts.roles import Role
from question_bank import service
from question_bank.models import Category, Question
from tests.factories import csrf_token, follow_job, login, make_question, make_user
from tests.question_bank.test_exchange import GOOD_AND_BAD


def editor_client(client, session):  # type: ignore[no-untyped-def]
    login(client, make_user(session, Role.EDITOR))
    return client


def post(client, path: str, data: dict, page: str | None = None, **kw):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or "/bank/")}, **kw)


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count(Question.id)))


def test_create_shows_errors_beside_fields_then_saves(client, session):
    editor_client(client, session)
    fields = {"type": "single", "stem": "党的根本宗旨是（　　）", "option_A": "全心全意为人民服务", "difficulty": "3",
              "enabled": "1"}
    bad = post(client, "/bank/new", fields, "/bank/new")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "单选题至少需要2个选项" in page and "全心全意为人民服务" in page
    assert count(session) == 0
    fields |= {"option_B": "发展经济", "correct": "A", "difficulty": "2", "category": "党章党规/党章"}
    good = post(client, "/bank/new", fields, "/bank/new", follow_redirects=True)
    assert "已保存第" in good.get_data(as_text=True)
    question = session.scalar(select(Question))
    assert (question.answer, question.difficulty, question.category.path) == ("A", 2, "党章党规/党章")


def test_edit_keeps_history_and_delete_is_refused_once_used(client, session):
    question = make_question(session)
    service.record_usage(session, question.id, 3, "2026年第四季度书记问效会")
    session.commit()
    editor_client(client, session)
    page = client.get(f"/bank/{question.id}").get_data(as_text=True)
    assert "2026年第四季度书记问效会" in page
    refused = post(client, f"/bank/{question.id}/delete", {}, follow_redirects=True).get_data(as_text=True)
    assert "不能删除，请改为停用" in refused and count(session) == 1


def test_bulk_actions_confirm_naming_how_many(client, session):
    questions = [make_question(session) for _ in range(3)]
    session.commit()
    editor_client(client, session)
    ids = [str(q.id) for q in questions[:2]]
    confirm = post(client, "/bank/bulk", {"ids": ids, "action": "disable"})
    assert "确认：停用 2 道题？" in confirm.get_data(as_text=True)
    assert all(q.enabled for q in session.scalars(select(Question)))  # nothing yet
    done = post(client, "/bank/bulk", {"ids": ids, "action": "disable", "confirmed": "1"}, follow_redirects=True)
    assert "已停用 2 道题" in done.get_data(as_text=True)
    session.expire_all()
    assert sorted(q.enabled for q in session.scalars(select(Question))) == [False, False, True]
    post(client, "/bank/bulk", {"ids": ids, "action": "move", "category": "组织工作/基层党建", "confirmed": "1"})
    session.expire_all()
    assert {q.category.path for q in service.questions_by_ids(session, [int(i) for i in ids])} == {"组织工作/基层党建"}
    post(client, "/bank/bulk", {"ids": ids, "action": "delete", "confirmed": "1"})
    assert count(session) == 1


def test_bulk_redirects_only_within_the_site(client, session):
    make_question(session)
    session.commit()
    editor_client(client, session)
    question_id = str(session.scalar(select(Question.id)))
    response = post(client, "/bank/bulk", {"ids": [question_id], "action": "enable", "confirmed": "1",
                                           "back": "https://evil.example/"})
    assert response.headers["Location"] == "/bank/"


def test_category_page_changes_the_tree(client, session):
    make_question(session, category="旧分类")
    session.commit()
    editor_client(client, session)
    page = client.get("/bank/categories").get_data(as_text=True)
    assert "旧分类" in page
    post(client, "/bank/categories", {"action": "add", "name": "党章党规"}, "/bank/categories")
    ids = {c.path: c.id for c in session.scalars(select(Category))}
    post(client, "/bank/categories", {"action": "merge", "category_id": ids["旧分类"], "target_id": ids["党章党规"]},
         "/bank/categories")
    refused = post(client, "/bank/categories", {"action": "add", "name": "党章党规"}, "/bank/categories",
                   follow_redirects=True).get_data(as_text=True)
    assert "已有分类“党章党规”" in refused
    session.expire_all()
    assert [c.path for c in session.scalars(select(Category))] == ["党章党规"]
    assert session.scalar(select(Question)).category.path == "党章党规"


def test_phone_preview_hides_the_answer_until_reveal(client, session):
    question = make_question(session, options=["实现共产主义", "发家致富"], answer="A", explanation="党章总纲写明")
    session.commit()
    editor_client(client, session)
    hidden = client.get(f"/bank/{question.id}/preview/phone").get_data(as_text=True)
    assert "实现共产主义" in hidden and "党章总纲写明" not in hidden and "correct" not in hidden
    shown = client.get(f"/bank/{question.id}/preview/phone?reveal=1").get_data(as_text=True)
    assert "党章总纲写明" in shown and 'class="choice correct"' in shown
    assert client.get(f"/bank/{question.id}/preview").status_code == 200
    assert "projector" in client.get(f"/bank/{question.id}/preview/projector").get_data(as_text=True)


def test_every_page_escapes_question_text(client, session):
    question = make_question(session, stem="<script>alert(1)</script>（　　）", category="<b>分类</b>")
    session.commit()
    editor_client(client, session)
    for path in ["/bank/", f"/bank/{question.id}", f"/bank/{question.id}/preview/phone",
                 f"/bank/{question.id}/preview/projector", "/bank/categories"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<b>分类</b>" not in page, path


def test_every_form_carries_a_csrf_token(client, session):
    question = make_question(session)
    session.commit()
    editor_client(client, session)
    for path in ["/bank/", "/bank/new", f"/bank/{question.id}", "/bank/categories", "/bank/import"]:
        page = client.get(path).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page, flags=re.S)
        assert forms, path
        assert all('name="csrf_token"' in form for form in forms), path
    assert client.post("/bank/new", data={"type": "judge", "stem": "x", "judgement": "true"}).status_code == 400


def test_editors_cannot_reach_admin_pages_and_hosts_cannot_edit(client, session):
    editor_client(client, session)
    assert client.get("/admin/users").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bank/")})
    login(client, make_user(session, Role.HOST))
    assert client.get("/bank/").status_code == 200
    for path in ["/bank/new", "/bank/import", "/bank/categories"]:
        assert client.get(path).status_code == 403, path


def upload(client, data: bytes, name: str):  # type: ignore[no-untyped-def]
    """Upload a file; its check runs as a job (inline in tests): the job's page, then its report page."""
    queued = client.post("/bank/import", data={"file": (io.BytesIO(data), name), "csrf_token": csrf_token(
        client, "/bank/import")}, content_type="multipart/form-data")
    return follow_job(client, queued)


def test_browser_import_report_then_commit_valid_rows(client, session):
    existing = make_question(session, stem="党的最高理想是（　　）", options=["实现共产主义", "发家致富"])
    session.commit()
    editor_client(client, session)
    report = upload(client, GOOD_AND_BAD.encode("gb18030"), "题库.csv")
    page = report.get_data(as_text=True)
    assert report.status_code == 200 and count(session) == 1
    assert "<td>第3行</td><td>答案</td><td>多选题至少需要2个正确答案" in page
    assert f'href="/bank/{existing.id}"' in page  # the duplicate links to the stored question
    token = re.search(r'action="/bank/import/([^"]+)"', page).group(1)
    refused = post(client, f"/bank/import/{token}", {"action": "all"}, "/bank/import")
    assert refused.status_code == 409 and "不能全部导入" in refused.get_data(as_text=True)
    done = follow_job(client, post(client, f"/bank/import/{token}", {"action": "valid"}, "/bank/import"))
    done = done.get_data(as_text=True)
    assert re.search(r'id="created-count">3<', done) and "第3行、第7行" in done
    assert count(session) == 4
    again = post(client, f"/bank/import/{token}", {"action": "valid"}, "/bank/import", follow_redirects=True)
    assert "导入已完成或已取消" in again.get_data(as_text=True) and count(session) == 4


def test_browser_import_cancel_and_unusable_files(client, session):
    editor_client(client, session)
    bad = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧.xls").get_data(as_text=True)
    assert "失败" in bad and "另存为 .xlsx" in bad  # the job's page says why
    page = upload(client, GOOD_AND_BAD.encode(), "题库.csv").get_data(as_text=True)
    token = re.search(r'action="/bank/import/([^"]+)"', page).group(1)
    post(client, f"/bank/import/{token}", {"action": "cancel"}, "/bank/import")
    again = post(client, f"/bank/import/{token}", {"action": "valid"}, "/bank/import", follow_redirects=True)
    assert "导入已完成或已取消" in again.get_data(as_text=True) and count(session) == 0


def test_another_users_staged_upload_cannot_be_committed(client, session, app):
    editor_client(client, session)
    page = upload(client, GOOD_AND_BAD.encode(), "题库.csv").get_data(as_text=True)
    token = re.search(r'action="/bank/import/([^"]+)"', page).group(1)
    other = app.test_client()
    login(other, make_user(session, Role.EDITOR))
    response = other.post(f"/bank/import/{token}", data={"action": "valid", "csrf_token": csrf_token(other, "/bank/")})
    assert response.status_code == 404 and count(session) == 0
    assert other.get(f"/bank/import/report/{token}").status_code == 404


def test_a_roster_upload_token_cannot_finish_a_bank_import(client, session):
    editor_client(client, session)
    roster_file = io.BytesIO("单位,姓名,职务\n市国资委,张示一,党委书记\n".encode())
    page = follow_job(client, client.post("/roster/import", data={"file": (roster_file, "名册.csv"), "csrf_token":
                      csrf_token(client, "/roster/import")}, content_type="multipart/form-data")).get_data(as_text=True)
    token = re.search(r'action="/roster/import/([^"]+)"', page).group(1)
    response = post(client, f"/bank/import/{token}", {"action": "all"}, "/bank/import", follow_redirects=True)
    assert response.status_code == 404 and count(session) == 0
