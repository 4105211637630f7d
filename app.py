"""书记问效: the app factory and the server entry point (`python app.py`)."""

if __name__ == "__main__":
    # Cooperative I/O must be in place before anything below imports socket or threading.
    from core.asyncmode import patch_from_environment

    patch_from_environment()

import os  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask, g, redirect, url_for  # noqa: E402
from flask_wtf.csrf import CSRFProtect  # noqa: E402

from core import migrate  # noqa: E402
from core.accounts import guard  # noqa: E402
from core.accounts import views as account_views  # noqa: E402
from core.accounts.cli import user_cli  # noqa: E402
from core.accounts.roles import Role  # noqa: E402
from core.backup_cli import db_cli  # noqa: E402
from core.backup_jobs import bp as backups_bp  # noqa: E402
from core.config import load_config, read_or_create_secret_key  # noqa: E402
from core.db import db, wait_for_turn  # noqa: E402
from core.health import bp as health_bp  # noqa: E402
from core.jobs.views import bp as jobs_bp  # noqa: E402
from core.realtime import init_realtime, on_queue_recovered  # noqa: E402
from core.web import init_web  # noqa: E402
from question_bank.bundle_sync import install_bundled  # noqa: E402
from question_bank.cli import bank_cli  # noqa: E402
from question_bank.views import bp as bank_bp  # noqa: E402
from quiz.live import events, jobs, protocol, resync  # noqa: E402, F401  (handlers)
from quiz.live import wiring as live_wiring  # noqa: E402
from quiz.live.qr import qr_svg  # noqa: E402
from quiz.live.views import meetings_bp, public_bp, public_pages  # noqa: E402
from quiz.live.views.venue_pages import venues_bp  # noqa: E402
from quiz.quarter import jobs as quarter_jobs  # noqa: E402, F401  (job handlers)
from quiz.quarter import models as quarter_models  # noqa: E402, F401  (tables)
from quiz.quarter import wiring as quarter_wiring  # noqa: E402
from quiz.quarter.cli import quarter_cli  # noqa: E402
from quiz.quarter.views.quarter_pages import quarters_bp  # noqa: E402
from quiz.quarter.views.report_pages import reports_bp  # noqa: E402
from quiz.review import ballot_box  # noqa: E402, F401  (handlers)
from quiz.review import jobs as review_jobs  # noqa: E402, F401  (the hall's quiet check for jobs)
from quiz.review import models as review_models  # noqa: E402, F401  (tables)
from quiz.review import service as reviewing  # noqa: E402
from quiz.review import wiring as review_wiring  # noqa: E402
from quiz.roster import jobs as roster_jobs  # noqa: E402, F401  (job handlers)
from quiz.roster.views import roster_bp  # noqa: E402

ROOT = Path(__file__).resolve().parent
PG_FIRST_START_LOCK = 727_003  # beside the migration (727_001) and bundle (727_002) locks
csrf = CSRFProtect()


def install_wings() -> None:
    """Let each wing fill the hooks of the wings below it (core/hooks.py), so that dependencies point one way:
    roster ← live ← review ← quarter. Every entry point builds its app here (the server, the job worker, the
    CLIs, the tests), so every one of them runs with the wings wired; a hook left empty raises when called."""
    live_wiring.install()
    review_wiring.install()
    quarter_wiring.install()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment (overridden by `config`), database at head, routes."""
    install_wings()
    app = Flask(__name__, instance_path=str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(dict(os.environ), app.instance_path))
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = read_or_create_secret_key(Path(app.instance_path))
    db.init_app(app)
    if app.config.get("AUTO_MIGRATE", True):
        migrate.upgrade(app.extensions["db"].engine)
    if app.config["LOAD_BUNDLED_BANK"]:
        with app.app_context():
            session = db.new_session()
            try:
                install_bundled(session)
            finally:
                session.close()
    csrf.init_app(app)
    for view in public_pages.CSRF_EXEMPT:  # checked by their Origin instead (their module says why)
        csrf.exempt(view)
    init_web(app)
    if app.config.get("REALTIME", True):  # the job worker has no sockets (core/jobs/worker.py)
        init_realtime(app, closing_events=frozenset({protocol.BINDING_ENDED}))
        events.guard_floods(app)
        on_queue_recovered(app, resync.resync_local)  # after a Redis outage, resync this worker's clients
    app.before_request(guard.load_current_user)
    blueprints = (health_bp, account_views.bp, jobs_bp, backups_bp, bank_bp, roster_bp, meetings_bp, public_bp,
                  reports_bp, quarters_bp, venues_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.cli.add_command(user_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(bank_cli)
    app.cli.add_command(quarter_cli)
    app.add_url_rule("/", "home", home)
    app.jinja_env.globals["qr_svg"] = qr_svg
    return app


def home():
    """Staff land on the bank (a venue operator on its venues); everyone else on the login page."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("venues.mine") if user.role == Role.OPERATOR else url_for("bank.index"))


def main() -> None:
    """Start the server in the configured async mode and print where to reach it and how to log in."""
    from core.accounts.service import ensure_first_admin
    from core.connlimits import VenueLimits
    from core.jobs.worker import start_beside as start_worker_beside
    from core.realtime import own_origins
    from core.serve import log_to_file, serve
    from quiz.live.demo import create_demo
    from quiz.live.publish import resume_timers

    app = create_app()
    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            # Workers starting at once on an empty database take turns: only the first creates admin and demo.
            wait_for_turn(db.session, PG_FIRST_START_LOCK)
        password = ensure_first_admin(db.session)
        demo = create_demo(db.session)
        halls = len(demo.venues) if demo is not None else 0
        db.session.commit()
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"书记问效 已启动（{app.config['ASYNC_MODE']}）：http://{host}:{port}/", flush=True)
    public_url = app.config["PUBLIC_URL"]
    print(f"手机访问地址（PUBLIC_URL）：{public_url or '未设置：手机无法访问本机回环地址，见 README'}", flush=True)
    if password:
        print(f"首次启动：已创建管理员账号 admin，密码 {password}（只显示这一次，请登录后妥善保管）", flush=True)
    if demo is not None:
        print(f"已创建演示名册与演示会议：主持台 http://{host}:{port}/meetings/{demo.id}/console", flush=True)
        print(f"演示会议设主会场和 {halls - 1} 个分会场：各会场的会议码与大屏地址 "
              f"http://{host}:{port}/meetings/{demo.id}/venues", flush=True)
    if app.config["LOG_FILE"]:
        log_to_file(app, app.config["LOG_FILE"])
    start_worker_beside(app)  # imports, exports and backups never run in this process (core/jobs)
    resume_timers(app)  # rounds left open by a crash close on time
    with app.app_context():  # a crash between a vote's close and its key's removal: remove the key now
        reviewing.after_close(app.extensions["db"].engine, ballot_box.key_dir())
    limits = VenueLimits(app.config["HEADER_TIMEOUT_S"], app.config["IDLE_TIMEOUT_S"],
                         app.config["MAX_CONNECTIONS_PER_ADDRESS"], app.config["TRUSTED_PROXIES"])
    serve(app, app, host, port, app.config["ASYNC_MODE"], app.config["MAX_CONNECTIONS"],
          app.config["LISTEN_BACKLOG"], limits, own_origins(app.config["PUBLIC_URL"]))


if __name__ == "__main__":
    main()
