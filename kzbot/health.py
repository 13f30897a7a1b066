"""A tiny HTTP health endpoint for container orchestrators, and the stdlib client the HEALTHCHECK runs.

The server answers `GET /healthz` with 200 and the status as JSON once the bot is ready, and 503 while it is
starting or after it lost its connection. The client uses only urllib, so the image needs no curl.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TextIO

from aiohttp import web

from kzbot.errors import ConfigError

HEALTH_PATH = "/healthz"
_log = logging.getLogger(__name__)

StatusCallable = Callable[[], dict[str, Any] | None]


async def start_health_server(host: str, port: int, status: StatusCallable) -> web.AppRunner:
    """Serve GET /healthz on host:port and return the runner; `await runner.cleanup()` stops it.

    `status()` returns a dict when the bot is ready (sent as JSON with 200) or None when it is not (503). A
    None before the first dict reads as "starting", a None after one as "disconnected". Port 0 picks a free
    port; `runner.addresses` tells which. Every other path or method gets 404.
    """
    seen_ready = False

    async def handle(request: web.Request) -> web.Response:
        nonlocal seen_ready
        if request.path != HEALTH_PATH or request.method not in ("GET", "HEAD"):
            return _json({"status": "not found"}, 404)
        try:
            current = status()
        except Exception:
            _log.exception("the health status callback failed")
            return _json({"status": "error"}, 500)
        if current is None:
            return _json({"status": "disconnected" if seen_ready else "starting"}, 503)
        seen_ready = True
        return _json(current, 200)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        reason = exc.strerror or exc
        raise ConfigError(f"KZBOT_HEALTH_PORT={port}: cannot listen on {host}:{port} ({reason})") from exc
    _log.info("health endpoint listening on http://%s:%s%s", host, _bound_port(runner, port), HEALTH_PATH)
    return runner


def check_health(host: str, port: int, timeout: float = 3.0, *, out: TextIO | None = None) -> int:
    """Ask the local health endpoint; print one line and return 0 when healthy, 1 otherwise."""
    out = sys.stdout if out is None else out
    url = f"http://{_connect_host(host)}:{port}{HEALTH_PATH}"
    # An empty ProxyHandler: a proxy configured in the environment must never see a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            body = response.read().decode("utf-8", "replace")
            code = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        print(f"unhealthy: {url} answered {exc.code} {_brief(body)}", file=out)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"unhealthy: cannot reach {url} ({reason})", file=out)
        return 1
    print(f"healthy: {code} {_brief(body)}", file=out)
    return 0


def _json(data: dict[str, Any], status: int) -> web.Response:
    text = json.dumps(data, default=str, ensure_ascii=False)
    return web.Response(
        text=text, status=status, content_type="application/json", headers={"Cache-Control": "no-store"}
    )


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return requested


def _connect_host(host: str) -> str:
    """A server bound to every interface is reached over loopback; IPv6 literals need brackets in a URL."""
    host = host.strip()
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def _brief(body: str, limit: int = 200) -> str:
    """The body on one line: compact JSON when it parses, cut to `limit` characters."""
    try:
        text = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        text = " ".join(body.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
