"""The /healthz endpoint and the client the Docker HEALTHCHECK runs, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from kzbot.config import PROJECT_ROOT
from kzbot.errors import ConfigError
from kzbot.health import check_health, start_health_server

HOST = "127.0.0.1"
READY = {"status": "ready", "knowledge": "abc123def456", "shards": {"0": "connected", "1": "connected"}}


class Status:
    """What the bot would report: None until it is ready, then a dict, then None again when it drops."""

    def __init__(self) -> None:
        self.value: dict | None = None

    def __call__(self) -> dict | None:
        return self.value


@pytest.fixture
async def server():
    status = Status()
    runner = await start_health_server(HOST, 0, status)
    port = runner.addresses[0][1]
    yield status, port
    await runner.cleanup()


def fetch(port: int, path: str = "/healthz", method: str = "GET") -> tuple[int, dict]:
    """A plain HTTP request, as any probe would send it (run in a thread: the server shares our loop)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", method=method)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


async def check(host: str, port: int) -> tuple[int, str]:
    out = io.StringIO()
    code = await asyncio.to_thread(check_health, host, port, 3.0, out=out)
    return code, out.getvalue()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


async def test_starting_then_ready_then_disconnected(server):
    status, port = server
    assert await asyncio.to_thread(fetch, port) == (503, {"status": "starting"})
    status.value = READY
    assert await asyncio.to_thread(fetch, port) == (200, READY)
    status.value = None
    assert await asyncio.to_thread(fetch, port) == (503, {"status": "disconnected"})


async def test_check_health_exit_codes_follow_the_server(server):
    status, port = server
    code, line = await check(HOST, port)
    assert code == 1
    assert line == f'unhealthy: http://{HOST}:{port}/healthz answered 503 {{"status":"starting"}}\n'

    status.value = READY
    code, line = await check(HOST, port)
    assert code == 0
    assert line.startswith('healthy: 200 {"status":"ready","knowledge":"abc123def456"')
    assert line.count("\n") == 1

    status.value = None
    code, line = await check(HOST, port)
    assert code == 1
    assert "503" in line and "disconnected" in line


async def test_check_health_against_a_closed_port():
    port = closed_port()
    code, line = await check(HOST, port)
    assert code == 1
    assert line.startswith(f"unhealthy: cannot reach http://{HOST}:{port}/healthz (")
    assert line.count("\n") == 1


async def test_a_wildcard_bind_address_is_checked_over_loopback(server):
    """The image listens on 0.0.0.0; the HEALTHCHECK inside it must still find the server."""
    status, port = server
    status.value = READY
    code, line = await check("0.0.0.0", port)
    assert (code, line.split()[0]) == (0, "healthy:")


async def test_check_health_ignores_a_proxy_in_the_environment(server, monkeypatch):
    status, port = server
    status.value = READY
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://{HOST}:{closed_port()}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    code, _ = await check(HOST, port)
    assert code == 0


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/", "GET"),
        ("/health", "GET"),
        ("/healthz/extra", "GET"),
        ("/healthz", "POST"),
        ("/healthz", "DELETE"),
    ],
)
async def test_anything_else_is_not_found(server, path, method):
    status, port = server
    status.value = READY
    assert await asyncio.to_thread(fetch, port, path, method) == (404, {"status": "not found"})


async def test_values_json_cannot_encode_are_sent_as_text(server):
    status, port = server
    status.value = {"status": "ready", "since": PROJECT_ROOT}
    assert await asyncio.to_thread(fetch, port) == (200, {"status": "ready", "since": str(PROJECT_ROOT)})


async def test_a_failing_status_callback_is_unhealthy_not_a_crash(caplog):
    def broken() -> dict:
        raise RuntimeError("no bot yet")

    runner = await start_health_server(HOST, 0, broken)
    try:
        port = runner.addresses[0][1]
        assert await asyncio.to_thread(fetch, port) == (500, {"status": "error"})
        assert (await check(HOST, port))[0] == 1
    finally:
        await runner.cleanup()
    assert "the health status callback failed" in caplog.text


async def test_a_busy_port_is_a_config_error_naming_the_variable(server):
    _, port = server
    with pytest.raises(ConfigError, match=rf"^KZBOT_HEALTH_PORT={port}: cannot listen on {HOST}:{port} \("):
        await start_health_server(HOST, port, Status())


async def test_cleanup_closes_the_port():
    runner = await start_health_server(HOST, 0, lambda: READY)
    port = runner.addresses[0][1]
    assert (await check(HOST, port))[0] == 0
    await runner.cleanup()
    code, line = await check(HOST, port)
    assert code == 1 and "cannot reach" in line


def test_health_and_logs_do_not_import_discord():
    code = "import sys, kzbot.health, kzbot.logs; sys.exit('discord' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT).returncode == 0
