"""Build rows in one line: `make_question(session, stem=…)`, `make_user(session, role=…)`, `login(client, user)`."""

from __future__ import annotations

import re
from itertools import count

from sqlalchemy.orm import Session

from core.accounts import service as accounts
from core.accounts.roles import Role
from question_bank import service
from question_bank.kinds import QuestionType
from question_bank.rules import QuestionDraft

PASSWORD = "correct-horse-battery"
_numbers = count(1)


def draft(**fields) -> QuestionDraft:  # type: ignore[no-untyped-def]
    """A valid single-choice draft unless fields say otherwise."""
    number = next(_numbers)
    values = {"type": QuestionType.SINGLE, "stem": f"第{number}题：党的最高理想是什么（　　）",
              "options": ["实现共产主义", "发家致富"], "answer": "A", "category": "党章党规/党章"}
    values.update(fields)
    return QuestionDraft(**values)


def make_question(session: Session, **fields):  # type: ignore[no-untyped-def]
    """Store a valid question (overridable field by field)."""
    return service.create_question(session, draft(**fields))


def make_user(session: Session, role: Role = Role.EDITOR, username: str | None = None):  # type: ignore[no-untyped-def]
    """Store a user with the shared test password."""
    user = accounts.create_user(session, username or f"{role.value}{next(_numbers)}", PASSWORD, role)
    session.commit()
    return user


def make_host(session: Session, meeting, username: str | None = None):  # type: ignore[no-untyped-def]
    """A host account assigned to run `meeting` (other host accounts are refused its console and sockets)."""
    user = make_user(session, Role.HOST, username)
    meeting.hosts.append(user)
    session.commit()
    return user


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    """The CSRF token embedded in a page's form."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Log in through the real form, CSRF token included."""
    return client.post("/login", data={"username": user.username, "password": password,
                                       "csrf_token": csrf_token(client)})


def follow_job(client, response):  # type: ignore[no-untyped-def]
    """After a page that queued a job (jobs run inline in tests): the job's page, or the result page it leads
    to when it has one (what the page's script opens by itself)."""
    while response.status_code == 302:
        response = client.get(response.headers["Location"])
    found = re.search(r'id="job-next" href="([^"]+)"', response.get_data(as_text=True))
    return client.get(found.group(1)) if found else response


def job_download(client, path: str, form_page: str | None = "/bank/", **form: str):  # type: ignore[no-untyped-def]
    """Start an export job by its form (or by a link: `form_page=None`) and return the file it made."""
    if form_page is None:
        queued = client.get(path)
    else:
        queued = client.post(path, data={**form, "csrf_token": csrf_token(client, form_page)})
    page = client.get(queued.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="job-download" href="([^"]+)"', page)
    assert link, page[-1500:]
    response = client.get(link.group(1))
    response.get_data()  # buffered, so the file it streamed from can be closed
    response.close()
    return response
