"""The projector's warning when its join QR code encodes an address no phone can reach. Pure."""

from __future__ import annotations

import pytest

from quiz.live.qr import unreachable_host


@pytest.mark.parametrize(("url", "host"), [
    ("http://127.0.0.1:5000/j/123456", "127.0.0.1"), ("http://127.8.9.10/j/1", "127.8.9.10"),
    ("http://localhost:5000/j/1", "localhost"), ("http://[::1]:5000/j/1", "::1"),
    ("http://0.0.0.0:5000/j/1", "0.0.0.0"),
])
def test_loopback_and_any_addresses_are_flagged(url: str, host: str) -> None:
    assert unreachable_host(url) == host


@pytest.mark.parametrize("url", ["http://192.168.1.20:5000/j/123456", "https://dangjian.example.cn/j/1",
                                 "http://[fe80::1]:5000/j/1", "http://10.0.0.7/j/1"])
def test_addresses_phones_can_reach_are_not(url: str) -> None:
    assert unreachable_host(url) is None
