"""A light Socket.IO client speaking the protocol itself (Engine.IO v4 over a websocket, Socket.IO v5 packets,
acks included), so that one asyncio loop can play thousands of phones without saturating a core.

Packets used: Engine.IO `0` open, `2` ping → `3` pong, `4` message; Socket.IO `0` connect (with auth),
`2` event, `3` ack. Binary packets are not used by the app.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import websockets


class SocketIOError(RuntimeError):
    """The server refused the connection or broke the protocol."""


class RawClient:
    """One Socket.IO connection: connect with auth, emit with or without an ack, receive events."""

    def __init__(self, on_event: Callable[[str, Any, float], None] | None = None) -> None:
        self.on_event = on_event or (lambda name, data, at: None)
        self._acks: dict[int, asyncio.Future] = {}
        self._ids = itertools.count(1)
        self._connected = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self.ws: Any = None
        self.last_message = ""  # the packet being handed to `on_event` (its size is the wire's, bar framing)
        self.received_bytes = 0  # every packet's size in UTF-8: what this client's link carried, bar framing

    async def connect(self, base_url: str, auth: dict | None = None, headers: dict | None = None) -> None:
        """Open the websocket, do the Engine.IO handshake, and connect the default namespace with `auth`."""
        url = base_url.replace("http://", "ws://").rstrip("/") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await websockets.connect(url, additional_headers=headers or {}, max_size=2**22, ping_interval=None,
                                           open_timeout=60)
        opening = await self.ws.recv()
        if not opening.startswith("0"):
            raise SocketIOError(f"unexpected Engine.IO opening {opening[:40]!r}")
        await self.ws.send("40" + json.dumps(auth or {}))
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._connected.wait(), 60)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                received = time.perf_counter()
                self.received_bytes += len(message.encode()) if isinstance(message, str) else len(message)
                if message == "2":
                    await self.ws.send("3")
                elif message.startswith("40"):
                    self._connected.set()
                elif message.startswith("44"):
                    raise SocketIOError(f"connection refused: {message[2:]}")
                elif message.startswith("42"):
                    self.last_message = message
                    name, *args = json.loads(message[2:])
                    self.on_event(name, args[0] if args else None, received)
                elif message.startswith("43"):
                    ack_id, payload = _split_id(message[2:])
                    future = self._acks.pop(ack_id, None)
                    if future is not None and not future.done():
                        future.set_result(json.loads(payload)[0])
        except websockets.ConnectionClosed:
            pass

    async def emit(self, event: str, data: Any = None) -> None:
        """Send an event without waiting for anything."""
        await self.ws.send("42" + json.dumps([event, data], ensure_ascii=False))

    async def call(self, event: str, data: Any = None, timeout: float = 60) -> Any:
        """Send an event and wait for its ack."""
        ack_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self.ws.send(f"42{ack_id}" + json.dumps([event, data], ensure_ascii=False))
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        """Close the connection."""
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()


def _split_id(packet: str) -> tuple[int, str]:
    digits = len(packet) - len(packet.lstrip("0123456789"))
    return int(packet[:digits]), packet[digits:]
