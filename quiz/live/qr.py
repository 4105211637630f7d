"""QR codes made by the server (the venue may have no internet), as inline SVG."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

import segno
from markupsafe import Markup


def qr_svg(text: str, scale: int = 8, title: str = "", fluid: bool = False) -> Markup:
    """An inline SVG QR code (medium error correction, quiet zone included); `fluid`: sized by its CSS width
    (a viewBox instead of a fixed width and height), as the projector's code is."""
    code = segno.make(text, error="m")
    return Markup(code.svg_inline(scale=scale, dark="#111", light="#fff", title=title or None, omitsize=fluid))


def wifi_text(ssid: str, password: str) -> str:
    """The text phones read from a Wi-Fi QR code (WPA, or an open network without a password)."""
    def escape(value: str) -> str:
        return "".join("\\" + ch if ch in '\\;,":' else ch for ch in value)

    security = "WPA" if password else "nopass"
    return f"WIFI:T:{security};S:{escape(ssid)};P:{escape(password)};;"


def public_url_problem(public_url: str) -> str | None:
    """Why phones could not reach this address, or None when it looks usable."""
    if not public_url:
        return "未设置 PUBLIC_URL：手机无法通过二维码访问本机。请按 README 设置本机在会场网络中的地址后重启。"
    host = urlsplit(public_url).hostname or ""
    try:
        loopback = ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return f"PUBLIC_URL 是本机回环地址（{host}），手机无法访问。请改为本机在会场网络中的地址。"
    return None


def unreachable_host(url: str) -> str | None:
    """The host of `url` when no phone could reach it (loopback, or the "any address" a server listens on),
    else None: the projector warns when its join QR code encodes such an address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ip_address(host)
    except ValueError:
        return None
    return host if address.is_loopback or address.is_unspecified else None
