"""What every response and the browser chat's sending carry for the browser's safety.

Security headers go on every route (the chat, its script, health, metrics, webhooks and
error pages alike). Sending a message takes JSON only, from a page of this site (its
``Origin``): a form on another site can post neither, so CSRF does not rest on the
cookie's SameSite alone. Behind a reverse proxy that terminates TLS, the proxy's
``X-Forwarded-Proto`` says the browser is on https, but only when the operator says the
proxy is trusted (``C2C_TRUST_PROXY``); else anyone could claim it. The same goes for
the visitor's address, which the browser chat's limits count by.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
TRUST_PROXY = web.AppKey("trust_proxy", bool)
PUBLIC_ORIGIN = web.AppKey("public_origin", str)


async def add_security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response, static files and errors included."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


def over_https(request: web.Request) -> bool:
    """Whether the browser talks https: directly, or through a trusted proxy that says so."""
    if request.secure:
        return True
    if not request.app.get(TRUST_PROXY, False):
        return False
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded == "https"


def origin_of(request: web.Request) -> str:
    """This site's origin as the browser sees it."""
    return f"{'https' if over_https(request) else 'http'}://{request.host}"


def same_site_origin(request: web.Request) -> bool:
    """The request's ``Origin`` is this site (or the configured public URL)."""
    given = request.headers.get("Origin", "").rstrip("/")
    if not given:
        return False
    allowed = {origin_of(request), request.app.get(PUBLIC_ORIGIN, "")}
    return given in allowed


def source_address(request: web.Request) -> str:
    """Where the request comes from, as the limits per address count it.

    The peer's address, or behind a trusted proxy the last address of
    ``X-Forwarded-For``: the one the proxy itself appended (nginx's
    ``$proxy_add_x_forwarded_for``, Caddy's default), as those before it are whatever the
    client sent. An IPv6 address stands for its /64, which one subscriber usually holds
    whole; an IPv4 address mapped into IPv6 is that IPv4 address.
    """
    address = request.remote or ""
    if request.app.get(TRUST_PROXY, False):
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        address = forwarded or address
    return _network_of(address)


def _network_of(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address.strip("[]").split("%")[0])
    except ValueError:
        return address[:64] or "unknown"  # a unix socket, or a proxy that sent nonsense
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)
