"""Cross-site WebSocket hijacking, in Debian's Chromium: a page served on another port of the same host (same
site, so the browser sends the host's session cookie along) tries to open the host's socket and read the
console's state. The server refuses its handshake; the app's own console still connects."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.live_server import free_port, live_server, staff_session

pytestmark = pytest.mark.browser

# Speaks Engine.IO / Socket.IO by hand: open, join as the host of the meeting, ask for the console's state.
HIJACK = """<!doctype html><meta charset="utf-8"><title>evil</title><pre id="out">pending</pre><script>
var out = document.getElementById("out");
var ws = new WebSocket("ws://127.0.0.1:%(port)d/socket.io/?EIO=4&transport=websocket");
ws.onmessage = function (e) {
  if (e.data.charAt(0) === "0") ws.send('40{"meeting_id":%(meeting)d}');
  else if (e.data.indexOf("40") === 0) { out.textContent = "connected"; ws.send('421["sync"]'); }
  else if (e.data.indexOf("431") === 0) out.textContent = "read the console: " + e.data.slice(0, 80);
  else if (e.data.indexOf("44") === 0) out.textContent = "refused by the app";
};
ws.onerror = function () { if (out.textContent === "pending") out.textContent = "handshake refused"; };
ws.onclose = function () { if (out.textContent === "pending") out.textContent = "handshake refused"; };
</script>"""


def serve_page(html: str) -> tuple[ThreadingHTTPServer, str]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_a_page_on_another_port_cannot_open_the_hosts_socket(browser, tmp_path: Path, mode):  # type: ignore[no-untyped-def]
    with live_server(mode, f"sqlite:///{tmp_path / 'csrf.sqlite3'}") as server:
        http = staff_session(server)
        context = browser.new_context()
        context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in http.cookies])
        port = int(server.url.rsplit(":", 1)[1])
        evil, evil_url = serve_page(HIJACK % {"port": port, "meeting": server.demo_meeting_id})
        try:
            page = context.new_page()
            page.goto(evil_url)
            page.wait_for_function("document.getElementById('out').textContent !== 'pending'", timeout=20_000)
            assert page.locator("#out").inner_text() == "handshake refused"

            console = context.new_page()  # the host's own console, same cookie, still connects
            console.goto(f"{server.url}/meetings/{server.demo_meeting_id}/console")
            console.wait_for_selector("text=已连接", timeout=20_000)
        finally:
            evil.shutdown()
            evil.server_close()
            context.close()
            http.close()
