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


def default_route_interface(route_table: str) -> str | None:
    """The interface of the default route in Linux's ``/proc/net/route`` (destination and mask
    0.0.0.0, lowest metric): the network the laptop actually reaches the room's Wi-Fi by."""
    best: tuple[int, str] | None = None
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        if not int(fields[3], 16) & 0x1:  # RTF_UP
            continue
        metric = int(fields[6])
        if best is None or metric < best[0]:
            best = (metric, fields[0])
    return best[1] if best else None


def interface_address(ip_output: str) -> str | None:
    """The first IPv4 address in ``ip -4 -o addr show dev IFACE``'s output."""
    for line in ip_output.splitlines():
        fields = line.split()
        if "inet" in fields:
            return fields[fields.index("inet") + 1].split("/")[0]
    return None


def _run(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=2, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def lan_address() -> str:
    """This machine's address on the local network (the Wi-Fi phones share), or loopback.

    The address of the interface the default route goes through: on a laptop, ``hostname -I``
    may list a Docker bridge or a VPN first, which no phone in the room can reach.
    """
    try:
        with open("/proc/net/route", encoding="ascii") as table:
            interface = default_route_interface(table.read())
    except OSError:
        interface = None
    if interface:
        address = interface_address(_run(["ip", "-4", "-o", "addr", "show", "dev", interface]))
        if address:
            return address
    for address in _run(["hostname", "-I"]).split():
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
