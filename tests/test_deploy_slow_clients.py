"""A phone on a crowded Wi-Fi is slow to close its connection: it must not hold a worker.

gunicorn 27's sync worker, after each response, half-closes the connection and then waits (up
to 2 s) for the client to close its side before taking the next request (``close_graceful``).
The client's close comes one round trip later: tens to hundreds of milliseconds on a room's
Wi-Fi, during which the worker serves nobody. ``gunicorn.conf.py`` closes at once when the
request was read whole, and lingers only when the client is still sending (a refused upload).
"""

from __future__ import annotations

import socket
import threading
import time

import requests

from tests.server import gunicorn_server


def read_response(sock: socket.socket) -> bytes:
    """Read one HTTP response whose length is given, without closing the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_a_client_slow_to_close_does_not_hold_the_only_worker(database_url, tmp_path):
    with gunicorn_server(database_url, tmp_path, workers=1, threads=1) as server:
        host, port = server.url.removeprefix("http://").split(":")
        slow = socket.create_connection((host, int(port)))
        try:
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: cite.test\r\n\r\n")
            assert b" 200 " in read_response(slow).split(b"\r\n")[0]
            # The slow phone has its answer and keeps the connection a while: the next
            # person's request must not wait for it.
            started = time.monotonic()
            response = requests.get(server.url + "/healthz", timeout=10)
            waited = time.monotonic() - started
        finally:
            threading.Timer(0, slow.close).start()
        assert response.status_code == 200
        assert waited < 0.5, f"the next request waited {waited:.2f} s behind a slow close"


def test_a_client_still_sending_gets_its_refusal_before_the_connection_closes(
    database_url, tmp_path
):
    """The linger kept where it matters: a body too large is refused before it is read, and
    the rest of it, still arriving, must not turn the refusal into a connection reset."""
    with gunicorn_server(database_url, tmp_path, workers=1, threads=1) as server:
        body = b"x" * (8 * 1024 * 1024)
        response = requests.post(
            server.url + "/staff/login",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=20,
        )
        assert response.status_code == 413


def test_the_settings_use_no_private_part_of_gunicorn():
    """gunicorn.conf.py used to replace gunicorn.util.close_graceful, an internal function a
    new release may rename or stop calling: the fast close then silently disappears."""
    import gunicorn.util

    from tests.server import ROOT

    original = gunicorn.util.close_graceful
    source = (ROOT / "gunicorn.conf.py").read_text()
    namespace: dict = {}
    exec(compile(source, "gunicorn.conf.py", "exec"), namespace)
    assert gunicorn.util.close_graceful is original
    assert "gunicorn.util" not in source and "gunicorn.workers" not in source
    assert callable(namespace["post_request"])  # a documented server hook
