"""Accounts: hashing, login, roles on every page, CSRF on every form."""

from __future__ import annotations

from core.accounts import service
from core.accounts.roles import Role
from tests.factories import PASSWORD, csrf_token, login, make_user


def test_passwords_are_hashed_with_scrypt(session):
    user = make_user(session)
    assert user.password_hash.startswith("scrypt:32768:8:1$") and PASSWORD not in user.password_hash


def test_authenticate(session):
    user = make_user(session, username="Editor1")
    assert service.authenticate(session, "editor1", PASSWORD).id == user.id
    assert service.authenticate(session, "editor1", "wrong-password") is None
    assert service.authenticate(session, "nobody", PASSWORD) is None
    user.active = False
    assert service.authenticate(session, "editor1", PASSWORD) is None


def test_weak_passwords_and_duplicate_usernames_are_refused(session):
    make_user(session, username="alice")
    for username, password, phrase in [("alice", PASSWORD, "已存在"), ("bob", "short", "至少需要8位"),
                                       ("张三", PASSWORD, "用户名须为")]:
        try:
            service.create_user(session, username, password, Role.EDITOR)
        except service.AccountError as error:
            assert phrase in str(error)
        else:
            raise AssertionError(f"{username} was accepted")


def test_first_start_creates_one_admin_with_a_random_password(session):
    password = service.ensure_first_admin(session)
    assert password and len(password) >= 12
    assert service.authenticate(session, "admin", password).role == "admin"
    assert service.ensure_first_admin(session) is None


def test_login_and_logout(client, session):
    user = make_user(session)
    assert client.get("/bank/").status_code == 302
    response = login(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/bank/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bank/")})
    assert client.get("/bank/").status_code == 302


def test_wrong_password_shows_a_chinese_message(client, session):
    user = make_user(session)
    response = login(client, user, password="not-the-password")
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_paths(client, session):
    user = make_user(session)
    token = csrf_token(client)
    data = {"username": user.username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login?next=/bank/?q=x", data=data).headers["Location"] == "/bank/?q=x"
    client.get("/login")
    data["csrf_token"] = csrf_token(client)
    assert client.post("/login?next=//evil.example/", data=data).headers["Location"] == "/"


def test_forms_without_a_csrf_token_are_refused(client, session):
    user = make_user(session)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)


def test_roles_are_checked_on_every_page(client, session):
    editor, host, admin = make_user(session, Role.EDITOR), make_user(session, Role.HOST), make_user(session, Role.ADMIN)
    pages = {"/admin/users": {"admin"}, "/bank/": {"admin", "editor", "host"},
             "/bank/template.xlsx": {"admin", "editor"}, "/jobs/": {"admin", "editor", "host"}}
    for user in (editor, host, admin):
        login(client, user)
        for path, allowed in pages.items():
            status = client.get(path).status_code
            assert status == (200 if user.role in allowed else 403), (user.role, path, status)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/login")})


def test_admin_creates_a_user_and_an_editor_cannot(client, session):
    admin, editor = make_user(session, Role.ADMIN), make_user(session, Role.EDITOR)
    form = {"username": "newhost", "password": PASSWORD, "role": "host", "display_name": "主持人甲"}
    login(client, editor)
    assert client.post("/admin/users", data=form | {"csrf_token": csrf_token(client, "/bank/")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bank/")})
    login(client, admin)
    page = client.post("/admin/users", data=form | {"csrf_token": csrf_token(client, "/admin/users")},
                       follow_redirects=True).get_data(as_text=True)
    assert "已创建用户“newhost”" in page and "主持人甲" in page
    assert service.find_user(session, "newhost").role == "host"


def test_changing_a_password_ends_other_sessions(client, session):
    user = make_user(session)
    login(client, user)
    service.set_password(session, user, "another-long-password")
    session.commit()
    assert client.get("/bank/").status_code == 302


def client_at(app, address: str):  # type: ignore[no-untyped-def]
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_password_guessing_locks_the_guessers_address_and_only_slows_the_real_user(app, session):
    app.extensions.pop("throttle", None)  # a store of this test's own (the app lives for the whole run)
    try:
        user = make_user(session)
        guesser = client_at(app, "192.0.2.1")
        for _ in range(10):
            assert login(guesser, user, password="wrong-password").status_code == 401
        locked = login(guesser, user)  # the guesser's address waits out the lockout
        assert locked.status_code == 429 and "尝试次数过多" in locked.get_data(as_text=True)
        for number in range(10):  # the username attacked from many addresses too
            login(client_at(app, f"198.51.100.{number + 1}"), user, password="wrong-password")
        assert login(client_at(app, "192.0.2.2"), user).status_code == 302  # the real user gets in at once
        backed_off = client_at(app, "192.0.2.3")
        assert login(backed_off, user, password="wrong-password").status_code == 401
        slowed = login(backed_off, user)  # a second try within the back-off: seconds, not ten minutes
        assert slowed.status_code == 429 and "30秒" in slowed.get_data(as_text=True)
    finally:
        app.extensions.pop("throttle", None)
