"""The address printed for phones when the laptop serves the room (``make run HOST=0.0.0.0``)."""

from __future__ import annotations

from cite_vote import links

# A laptop with Docker and a VPN up: ``hostname -I`` lists 172.17.0.1 (docker0) and
# 10.8.0.6 (tun0) before the Wi-Fi's 192.168.1.23, but the default route goes through wlan0.
ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
tun0\t0000080A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100A8C0\t0001\t0\t0\t100\t00000000\t0\t0\t0
wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
"""
IP_WLAN0 = "3: wlan0    inet 192.168.1.23/24 brd 192.168.1.255 scope global dynamic wlan0\\n"


def test_the_default_route_s_interface_is_found():
    # Two default routes (cable and Wi-Fi), both up: the lower metric is the one used.
    assert links.default_route_interface(ROUTES) == "eth0"
    without_eth0 = "\n".join(line for line in ROUTES.splitlines() if not line.startswith("eth0"))
    assert links.default_route_interface(without_eth0) == "wlan0"
    assert links.default_route_interface(ROUTES.splitlines()[0]) is None


def test_a_route_that_is_down_is_passed_over():
    down = ROUTES.replace("eth0\t00000000\t0100A8C0\t0001", "eth0\t00000000\t0100A8C0\t0000")
    assert links.default_route_interface(down) == "wlan0"


def test_the_interface_s_ipv4_address_is_read():
    assert links.interface_address(IP_WLAN0) == "192.168.1.23"
    assert links.interface_address("") is None


def test_the_printed_address_is_the_default_route_s_not_docker_s(monkeypatch, tmp_path):
    """``hostname -I`` put docker0 first: the room's phones were sent to 172.17.0.1."""
    table = tmp_path / "route"
    table.write_text(ROUTES.replace("eth0", "eth9").replace("\t100\t", "\t900\t"))
    real_open = open

    def fake_open(path, *args, **kwargs):
        return real_open(table if path == "/proc/net/route" else path, *args, **kwargs)

    def fake_run(args):
        if args[:2] == ["hostname", "-I"]:
            return "172.17.0.1 10.8.0.6 192.168.1.23 fd00::1\n"
        if args[-1] == "wlan0":
            return IP_WLAN0
        return ""

    monkeypatch.setattr("builtins.open", fake_open)
    monkeypatch.setattr(links, "_run", fake_run)
    assert links.lan_address() == "192.168.1.23"
    assert links.served_url("0.0.0.0", 8000) == "http://192.168.1.23:8000"
