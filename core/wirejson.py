"""The JSON that Socket.IO packets are written in: UTF-8 text rather than \\uXXXX escapes.

Almost every state the app broadcasts is Chinese. The standard library escapes each such character as six
ASCII bytes; written as UTF-8 it takes three, and a phone has fewer bytes to receive and parse. A state for
2,000 phones is encoded once but sent, and parsed, 2,000 times. python-socketio takes any module-like object
with `dumps` and `loads` (its `json` option); the bare benchmark server uses the same one.

Any text stored in a JSON column may hold a lone surrogate (`"\\ud800"` is valid JSON, and the standard
library's escaped JSON stores it as ASCII), which no UTF-8 encoder accepts: one such answer in a state would
fail every emit of it, and every `sync`, until the meeting ends. So `dumps` replaces lone surrogates with
U+FFFD: the packet is always encodable, whatever was stored.
"""

from __future__ import annotations

import json
import re
from typing import Any

SURROGATE = re.compile(r"[\ud800-\udfff]")


def dumps(value: Any, **options: Any) -> str:
    """`json.dumps` without ASCII escaping, and compact unless the caller chose separators."""
    options.setdefault("separators", (",", ":"))
    text = json.dumps(value, ensure_ascii=False, **options)
    # A search, not an encode: no copy of a large state just to find out it was fine (the usual case).
    return SURROGATE.sub("\ufffd", text) if SURROGATE.search(text) else text


def loads(text: str | bytes, **options: Any) -> Any:
    """`json.loads`, unchanged."""
    return json.loads(text, **options)
