"""deploy/nginx.conf really works in front of two workers: a copy of it (its own port, pid, log and temp paths,
nothing under / touched) runs the real nginx in front of two `python app.py` workers sharing PostgreSQL and
Redis. A phone that can only long-poll joins, syncs and answers through it; the projector's websocket goes
through it too; the host, on the other worker, counts the answer. The same file without `ip_hash` shows why
stickiness is needed: a long-polling phone cannot even join. The upload cap is nginx's as well as the app's.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.live_server import ROOT, LiveServer, claim, free_port, seat_codes
from tests.quiz.live.test_live_flow import Host, Phone, correct_letter
from tests.quiz.live.test_workers import MODES, Workers, projector, screen_token, two_workers
from tests.services import unavailable

NGINX = Path("/usr/sbin/nginx")
CONF = ROOT / "deploy" / "nginx.conf"
UPLOAD_CAP = 50 * 1024 * 1024  # MAX_UPLOAD_BYTES' default
WAIT_S = 20


def _replace_once(conf: str, old: str, new: str) -> str:
    assert conf.count(old) == 1, f"deploy/nginx.conf should contain {old!r} exactly once"
    return conf.replace(old, new)


def render(tmp: Path, port: int, workers: Workers, sticky: bool = True) -> Path:
    """A copy of deploy/nginx.conf for this test: on `port`, in front of these workers, with every path in
    `tmp`. Also names the worker that served each response (X-Upstream), so the test can tell them apart."""
    conf = CONF.read_text(encoding="utf-8")
    port_a, port_b = workers.ports
    conf = _replace_once(conf, "listen 80;", f"listen 127.0.0.1:{port};")
    conf = _replace_once(conf, "server 127.0.0.1:5001;", f"server 127.0.0.1:{port_a};")
    conf = _replace_once(conf, "server 127.0.0.1:5002;", f"server 127.0.0.1:{port_b};")
    if not sticky:  # plain round robin; one nginx process, so its requests alternate strictly between workers
        conf, found = re.subn(r"^\s*(ip_hash|hash \$remote_addr consistent);\n", "", conf, flags=re.MULTILINE)
        assert found == 1, "deploy/nginx.conf should make its upstream sticky with one ip_hash or hash line"
        conf = _replace_once(conf, "worker_processes auto;", "worker_processes 1;")
    own = [f"pid {tmp}/nginx.pid;", f"error_log {tmp}/error.log;"]
    if os.geteuid() == 0:  # as root nginx would hand its workers to `nobody`; stay the current user
        own.append("user root;")
    conf = _replace_once(conf, "proxy_cache_path /var/cache/nginx/shuji", f"proxy_cache_path {tmp}/join-pages")
    paths = [f"access_log {tmp}/access.log;", "add_header X-Upstream $upstream_addr always;",
             "add_header X-Cache $upstream_cache_status always;"]
    paths += [f"{kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")]
    conf = _replace_once(conf, "http {\n", "http {\n    " + "\n    ".join(paths) + "\n")
    path = tmp / "nginx.conf"
    path.write_text("\n".join(own) + "\n" + conf, encoding="utf-8")
    return path


@contextmanager
def nginx(tmp: Path, workers: Workers, sticky: bool = True) -> Iterator[str]:
    """Run nginx in the foreground with the rendered copy until the block ends; yields its URL."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = render(tmp, port, workers, sticky)
    command = [str(NGINX), "-p", f"{tmp}/", "-c", str(conf), "-e", f"{tmp}/error.log"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    log = (tmp / "nginx.out").open("wb")
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp / "error.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def upstream_of(url: str) -> int:
    """The port of the worker that nginx sends this machine's requests to."""
    return int(requests.get(url + "/healthz", timeout=5).headers["X-Upstream"].rsplit(":", 1)[1])


def polling_join(url: str, auth: dict) -> tuple[set[str], int, str]:
    """Open an Engine.IO long-polling session and send Socket.IO's connect packet on it, as a client does.
    Returns the workers that served the two requests, and the second one's status and body."""
    http = requests.Session()
    endpoint = f"{url}/socket.io/?EIO=4&transport=polling"
    opened = http.get(endpoint, timeout=10)
    assert opened.status_code == 200 and opened.text.startswith("0"), opened.text
    sid = json.loads(opened.text[1:])["sid"]
    joined = http.post(f"{endpoint}&sid={sid}", data="40" + json.dumps(auth), timeout=10)
    http.close()
    return {opened.headers["X-Upstream"], joined.headers["X-Upstream"]}, joined.status_code, joined.text


@pytest.mark.parametrize("mode", MODES)
def test_a_long_polling_phone_answers_through_nginx(mode: str, tmp_path: Path):
    if not NGINX.exists():
        unavailable(f"nginx is not installed ({NGINX}; Debian: apt-get install nginx-light)")
    with two_workers(mode, "shuji_nginx") as workers, nginx(tmp_path / "sticky", workers) as url:
        meeting_id = workers.a.demo_meeting_id
        # ip_hash sends every request from 127.0.0.1 to one worker, always the same one.
        chosen = upstream_of(url)
        assert {upstream_of(url) for _ in range(6)} == {chosen} and chosen in workers.ports
        other = workers.b if chosen == workers.ports[0] else workers.a
        front: LiveServer = dataclasses.replace(workers.a, url=url)

        host = Host(other, meeting_id)  # straight to the worker nginx does not pick for this machine
        codes = seat_codes(other, host.http, meeting_id)
        screen, screen_inbox = projector(front, screen_token(host, other, meeting_id))
        assert screen.transport() == "websocket"  # the upgrade headers pass

        phone = Phone(front, codes[0], ["polling"])  # join (the seat card's link, then connect) and sync
        assert phone.sio.transport() == "polling" and phone.me["id"]
        assert host.do("draw_question", mode="all", types=["single"])["ok"] and host.do("show_question")["ok"]
        phone.inbox.wait_for(lambda: phone.inbox.states and (phone.inbox.state.get("round") or {}).get("phase")
                             == "open", "the question, long-polled through nginx")
        round_id, key = phone.inbox.state["round"]["id"], correct_letter(host)
        reply = phone.answer(round_id, key)
        assert reply["ok"] and reply["answer"] == key and reply["repeat"] is False, reply
        assert phone.sio.call("sync", None, timeout=10)["state"]["me"]["answer"] == key

        screen_inbox.wait_for(lambda: any(c["round_id"] == round_id and c["answered"] == 1
                                          for c in screen_inbox.counts), "the count on the projector (via nginx)")
        host.inbox.wait_for(lambda: any(c["round_id"] == round_id and c["answered"] == 1
                                        for c in host.inbox.counts), "the count on the console (other worker)")
        engine = create_engine(workers.database_url)
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT COUNT(*) FROM answers WHERE round_id = :r"),
                                        {"r": round_id}).scalar()
        engine.dispose()
        assert stored == 1

        # Uploads: up to the app's cap passes nginx; one byte more is refused by nginx itself.
        assert requests.post(url + "/login", data=b"x" * (UPLOAD_CAP + 1), timeout=30).status_code == 413
        at_cap = requests.post(url + "/login", data=b"x" * UPLOAD_CAP, timeout=30)
        assert at_cap.status_code != 413 and at_cap.headers.get("X-Upstream"), at_cap.status_code

        # The join page comes from nginx's cache (one worker render per 2 s); a wrong code never does (it must
        # reach a worker to count as a guess); the join form's POST always reaches a worker.
        join_code = host.inbox.state["join"]["code"]
        pages = [requests.get(f"{url}/j/{join_code}", timeout=10) for _ in range(5)]
        assert [p.status_code for p in pages] == [200] * 5 and "Set-Cookie" not in pages[0].headers
        assert pages[0].headers["X-Cache"] in ("MISS", "EXPIRED") and "HIT" in [p.headers["X-Cache"] for p in pages]
        assert pages[0].headers["Cache-Control"] == "no-cache"  # browsers still revalidate
        wrong = [requests.get(f"{url}/j/999999", timeout=10) for _ in range(3)]
        assert [w.status_code for w in wrong] == [404] * 3 and all(w.headers.get("X-Cache") != "HIT" for w in wrong)
        posted = requests.post(f"{url}/j/{join_code}", data={"code": "NOPE2345"}, timeout=10)
        assert posted.status_code == 422 and posted.headers.get("X-Cache") != "HIT"

        # Without stickiness a long-polling phone cannot even join: the request that opens its session and
        # the one that joins the meeting reach different workers, and the second knows no such session.
        # (The same steps by hand, as the client sends them: a real client would hang on its long poll.)
        auth = {"code": codes[1], "device": claim(front, codes[1])}
        assert polling_join(url, auth)[1:] == (200, "OK")
        with nginx(tmp_path / "round-robin", workers, sticky=False) as plain:
            workers_seen, status, body = polling_join(plain, auth)
        assert len(workers_seen) == 2 and status == 400 and "Invalid session" in body, (workers_seen, status, body)

        phone.sio.disconnect()
        screen.disconnect()
        host.sio.disconnect()
