"""The factory, configuration, /healthz, headers and the bank list page."""

from __future__ import annotations

import re
from pathlib import Path

from app import create_app
from core.config import load_config, read_or_create_secret_key
from tests.factories import login, make_question, make_user


def test_config_defaults_are_safe(tmp_path: Path):
    config = load_config({}, str(tmp_path))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path.as_posix()}/shuji.sqlite3"
    assert (config["HOST"], config["PORT"], config["ASYNC_MODE"]) == ("127.0.0.1", 5000, "gevent")
    assert config["SECRET_KEY"] == "" and config["PUBLIC_URL"] == ""
    env = load_config({"ASYNC_MODE": "gevent", "PORT": "8080", "PUBLIC_URL": "http://192.168.1.10:8080/"}, "x")
    assert (env["ASYNC_MODE"], env["PORT"], env["PUBLIC_URL"]) == ("gevent", 8080, "http://192.168.1.10:8080")


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path):
    first = read_or_create_secret_key(tmp_path)
    assert len(first) >= 40 and read_or_create_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_factory_without_a_secret_key_uses_the_instance_file(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.sqlite3", "ASYNC_MODE": "threading"})
    assert app.config["SECRET_KEY"] == (Path(app.instance_path) / "secret_key").read_text()


def test_healthz_reports_database_and_schema(client):
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "schema": "current", "async_mode": "threading",
                    "message_queue": "none", "limits": "memory"}


def test_healthz_says_when_the_database_is_unreachable(tmp_path: Path):
    app = create_app({"SECRET_KEY": "x", "ASYNC_MODE": "threading", "AUTO_MIGRATE": False, "LOAD_BUNDLED_BANK": False,
                      "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"


def test_pages_carry_security_headers_and_versioned_assets(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-cache"
    asset = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', response.get_data(as_text=True))
    assert asset
    with client.get(asset.group(1)) as static:
        assert static.headers["Cache-Control"].endswith("immutable")


def test_no_page_loads_anything_from_outside():
    root = Path(__file__).resolve().parents[2]
    for path in [*root.glob("templates/**/*.html"), *root.glob("static/**/*.css")]:
        assert not re.search(r'(src|href)="(https?:)?//', path.read_text()), path


def test_bank_list_escapes_question_text(client, session):
    make_question(session, stem="<script>alert(1)</script>（　　）")
    session.commit()
    login(client, make_user(session))
    page = client.get("/bank/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bank_list_searches_and_pages(client, session):
    for number in range(25):
        make_question(session, stem=f"党章第{number}题（　　）")
    make_question(session, stem="别的（　　）")
    session.commit()
    login(client, make_user(session))
    page = client.get("/bank/?q=党章").get_data(as_text=True)
    assert "共 25 题" in page and "第 1 / 2 页" in page
    assert "别的" not in page


def test_the_session_cookie_signer_is_built_once_per_secret_key(app, client):
    from core.web import ReusedSerializerSessions

    interface = app.session_interface
    assert isinstance(interface, ReusedSerializerSessions)
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    old_key = app.secret_key
    try:
        app.secret_key = "another-secret"
        assert interface.get_signing_serializer(app) is not first  # a changed key signs with the new one
    finally:
        app.secret_key = old_key
        app.extensions.pop("session_serializer", None)
    assert client.get("/login").status_code == 200


def test_the_favicon_is_served_and_every_page_links_it(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
        assert icon.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO header
    for path in ["/login", "/j"]:  # a staff page and a phone page
        page = client.get(path).get_data(as_text=True)
        svg = re.search(r'<link rel="icon" href="(/static/favicon\.svg\?v=[0-9a-f]{10})"', page)
        assert svg and 'href="/favicon.ico"' in page, path
        with client.get(svg.group(1)) as response:
            assert response.status_code == 200 and b"<svg" in response.get_data()
    # Every template that is a whole page (not one extending another) includes the icons.
    root = Path(__file__).resolve().parents[2]
    for path in root.glob("templates/**/*.html"):
        source = path.read_text()
        if "<!doctype html>" in source.lower():
            assert '{% include "_icons.html" %}' in source, path
