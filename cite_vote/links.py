"""Links people follow from outside the page: printed tickets, QR codes, the join link.

Behind a laptop's wildcard address or a reverse proxy, the address a request came in on is not
one a phone can use. ``CITE_VOTE_PUBLIC_URL`` names the address every printed link and QR code
uses; without it they follow the request (what a browser on the same machine sees).
"""

from __future__ import annotations

import socket
import subprocess

from flask import current_app, url_for

WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def public_url(endpoint: str, **values) -> str:
    """An absolute link to ``endpoint`` that phones in the room can open."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def lan_address() -> str:
    """This machine's address on the local network (the Wi-Fi phones share), or loopback."""
    try:
        found = subprocess.run(
            ["hostname", "-I"], capture_output=True, text=True, timeout=2, check=False
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        found = []
    for address in found:
        if "." in address and not address.startswith("127."):
            return address
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def served_url(host: str, port: int) -> str:
    """The address to print for a server bound to ``host``: the LAN's for a wildcard."""
    if host in WILDCARD_HOSTS:
        host = lan_address()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
