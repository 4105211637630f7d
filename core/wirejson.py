"""The JSON that Socket.IO packets are written in: UTF-8 text rather than \\uXXXX escapes.

Almost every state the app broadcasts is Chinese. The standard library escapes each such character as six
ASCII bytes; written as UTF-8 it takes three, and a phone has fewer bytes to receive and parse. A state for
2,000 phones is encoded once but sent, and parsed, 2,000 times. python-socketio takes any module-like object
with `dumps` and `loads` (its `json` option); the bare benchmark server uses the same one.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any, **options: Any) -> str:
    """`json.dumps` without ASCII escaping, and compact unless the caller chose separators."""
    options.setdefault("separators", (",", ":"))
    return json.dumps(value, ensure_ascii=False, **options)


def loads(text: str | bytes, **options: Any) -> Any:
    """`json.loads`, unchanged."""
    return json.loads(text, **options)
