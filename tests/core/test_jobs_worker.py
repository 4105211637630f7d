"""The job worker for real: `python app.py` starts it; hostile uploads, a big import and an export run while a
phone is answered; a queued job survives a restart; a cancelled commit stores nothing; a time limit stops a
job with its message."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
import socketio
from sqlalchemy import create_engine, text

from bench.bankgen import generated_drafts
from question_bank.transfer.writing import to_csv, to_xlsx
from tests.hostile_files import declared, far_cell
from tests.live_server import LiveServer, claim, live_server, seat_codes, staff_session

WAIT_S = 60


def csrf(http: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(url).text).group(1)


def job_id(response: requests.Response) -> int:
    """The id of the job a page queued, from its redirect to /jobs/<id>[?auto=1]."""
    return int(response.headers["Location"].split("?")[0].rsplit("/", 1)[1])


def upload(server: LiveServer, http: requests.Session, data: bytes, name: str, page: str = "/bank/import") -> int:
    """Upload a file for checking (to the bank's import page, or `page`); returns the check job's id."""
    response = http.post(server.url + page, files={"file": (name, data)},
                         data={"csrf_token": csrf(http, server.url + page)}, allow_redirects=False)
    return job_id(response)


def job(server: LiveServer, http: requests.Session, job_id: int) -> dict:
    return http.get(f"{server.url}/jobs/{job_id}.json").json()


def wait_job(server: LiveServer, http: requests.Session, job_id: int, during=None) -> dict:  # type: ignore[no-untyped-def]
    """Poll a job until it ends (calling `during()` between polls); returns its last state."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        state = job(server, http, job_id)
        if state["finished"]:
            return state
        if during:
            during()
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {state}")


def commit(server: LiveServer, http: requests.Session, check_id: int, mode: str = "valid") -> int:
    page = f"{server.url}/bank/import/report/{check_id}"
    response = http.post(f"{server.url}/bank/import/{check_id}", data={"action": mode, "csrf_token": csrf(http, page)},
                         allow_redirects=False)
    return job_id(response)


def question_count(database: str) -> int:
    engine = create_engine(database)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM questions")).scalar()
    engine.dispose()
    return count


def test_staff_jobs_run_beside_the_hall_while_a_phone_is_answered(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    with live_server("gevent", database, LOAD_BUNDLED_BANK="0") as server:
        http = staff_session(server)
        code = seat_codes(server, http, server.demo_meeting_id)[0]
        phone = socketio.Client(reconnection=False)
        phone.connect(server.url, auth={"code": code, "device": claim(server, code)}, transports=["websocket"],
                      wait_timeout=10)
        answered: list[int] = []
        asked = [0.0]

        def phone_asks() -> None:
            # Twice a second: a phone's clock checks are rate-limited per connection (core/flood.py), like any
            # event, so asking at the poll's pace would be refused, not slowed.
            if time.monotonic() - asked[0] < 0.5:
                return
            asked[0] = time.monotonic()
            answered.append(phone.call("clock", None, timeout=10)["server_now_ms"])

        hostile = {"A1:XFD1048576": declared("A1:XFD1048576"), "1,048,576 rows": declared("A1:R1048576"),
                   "100,000 columns": declared("A1:EQXD1")}
        for label, data in hostile.items():
            state = wait_job(server, http, upload(server, http, data, "题库.xlsx"), phone_asks)
            # Beyond Excel's own limits (column EQXD) openpyxl cannot even open the workbook: refused as damaged.
            assert state["status"] == "failed" and re.search("异常巨大|无法读取", state["message"]), (label, state)
        far = wait_job(server, http, upload(server, http, far_cell(1_048_576, "XFD"), "题库.xlsx"), phone_asks)
        assert far["status"] == "done", far
        check = wait_job(server, http, upload(server, http, to_xlsx(generated_drafts(5000)), "五千题.xlsx"), phone_asks)
        assert check["status"] == "done" and check["next_url"].endswith(f"/bank/import/report/{check['id']}")
        report = http.get(server.url + check["next_url"]).text
        assert 'id="importable-count">5000<' in report
        stored = wait_job(server, http, commit(server, http, check["id"], "all"), phone_asks)
        assert stored["status"] == "done" and stored["message"] == "已导入 5000 道题"
        export = http.post(server.url + "/bank/export.xlsx", data={"csrf_token": csrf(http, server.url + "/bank/")},
                           allow_redirects=False)
        exported = wait_job(server, http, job_id(export), phone_asks)
        assert exported["status"] == "done" and exported["download_url"]
        body = http.get(server.url + exported["download_url"]).content
        assert body.startswith(b"PK") and len(body) > 100_000
        # The roster's import too: a hostile workbook fails in the worker, 3,000 people are checked and stored.
        refused = wait_job(server, http, upload(server, http, declared("A1:XFD1048576"), "名册.xlsx", "/roster/import"),
                           phone_asks)
        assert refused["status"] == "failed" and re.search("异常巨大|无法读取", refused["message"]), refused
        people = "单位,单位类型,姓名,职务,第一责任人,分组\n" + "".join(
            f"测试单位{n // 30},,人员{n:04d},干部,,\n" for n in range(3000))
        roster_check = upload(server, http, people.encode(), "名册.csv", "/roster/import")
        checked = wait_job(server, http, roster_check, phone_asks)
        assert checked["status"] == "done" and "/roster/import/report/" in checked["next_url"], checked
        token = re.search(r'action="/roster/import/([^"]+)"', http.get(server.url + checked["next_url"]).text).group(1)
        response = http.post(f"{server.url}/roster/import/{token}", allow_redirects=False, data={
            "action": "all", "csrf_token": csrf(http, server.url + checked["next_url"])})
        stored = wait_job(server, http, job_id(response), phone_asks)
        assert stored["status"] == "done" and stored["message"] == "已导入 3000 人", stored
        phone.disconnect()
        # The phone was answered between every poll, all through the jobs.
        assert len(answered) >= 5 and answered == sorted(answered)
        assert question_count(database) == 5000


def test_a_queued_job_survives_a_restart(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'restart.sqlite3'}"
    jobs_dir = str(tmp_path / "jobs")
    with live_server("gevent", database, LOAD_BUNDLED_BANK="0", JOBS_WORKERS="0", JOBS_DIR=jobs_dir) as first:
        http = staff_session(first)
        job_id = upload(first, http, to_csv(generated_drafts(50)), "题库.csv")
        time.sleep(0.5)  # no worker runs: the job stays queued
        assert job(first, http, job_id)["status"] == "queued"
        first.process.kill()
        first.process.wait()
        port = urlsplit(first.url).port
    with live_server("gevent", database, first_start=False, port=port, JOBS_DIR=jobs_dir) as second:
        http = requests.Session()
        http = staff_session(second, password=first.admin_password)
        state = wait_job(second, http, job_id)
        assert state["status"] == "done" and "report" in state["next_url"]


def test_a_cancelled_commit_stores_nothing_and_the_time_and_memory_limits_say_so(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'cancel.sqlite3'}"
    with live_server("gevent", database, LOAD_BUNDLED_BANK="0") as server:
        http = staff_session(server)
        check = wait_job(server, http, upload(server, http, to_csv(generated_drafts(40_000)), "四万题.csv"))
        assert check["status"] == "done"
        commit_id = commit(server, http, check["id"], "all")
        deadline = time.monotonic() + WAIT_S
        # Cancelled while it reads the file again: the store that follows is a fraction of a second (one
        # transaction either way: a stop at any point leaves all or nothing).
        while job(server, http, commit_id).get("stage") not in ("检查内容", "写入题库"):
            assert time.monotonic() < deadline and not job(server, http, commit_id)["finished"]
            time.sleep(0.05)
        cancel = http.post(f"{server.url}/jobs/{commit_id}/cancel",
                           headers={"X-CSRFToken": csrf(http, f"{server.url}/jobs/{commit_id}")})
        assert cancel.json()["cancel_requested"] is True
        state = wait_job(server, http, commit_id)
        assert state["status"] == "cancelled" and "未写入任何数据" in state["message"], state
        assert question_count(database) == 0
    with live_server("gevent", database, first_start=False, LOAD_BUNDLED_BANK="0", JOB_TIME_LIMIT_S="1") as limited:
        http = staff_session(limited, password=server.admin_password)
        state = wait_job(limited, http, upload(limited, http, to_csv(generated_drafts(40_000)), "四万题.csv"))
        assert state["status"] == "failed" and "超过时间上限" in state["message"], state
    # A memory limit below what a 40,000-row check needs: the supervisor stops it and says which limit.
    with live_server("gevent", database, first_start=False, LOAD_BUNDLED_BANK="0", JOB_MEMORY_MB="150") as small:
        http = staff_session(small, password=server.admin_password)
        state = wait_job(small, http, upload(small, http, to_csv(generated_drafts(40_000)), "四万题.csv"))
        assert state["status"] == "failed" and "所需内存超过上限" in state["message"], state
        assert question_count(database) == 0


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_every_worker_process_ends_with_a_killed_server(tmp_path: Path):
    """The worker, its Huey workers and its scheduler die with the server (an orphaned scheduler once
    outlived every test server and filled the machine's memory)."""
    with live_server("gevent", f"sqlite:///{tmp_path / 'orphans.sqlite3'}", LOAD_BUNDLED_BANK="0") as server:
        deadline = time.monotonic() + WAIT_S
        while len(family := descendants(server.process.pid)) < 4:  # the worker, 2 workers, the scheduler
            assert time.monotonic() < deadline, family
            time.sleep(0.1)
        server.process.kill()
        server.process.wait()
        while any(alive(pid) for pid in family):
            assert time.monotonic() < deadline, [pid for pid in family if alive(pid)]
            time.sleep(0.1)
