"""Stand-ins for ``systemctl`` and ``nginx`` while the guide's blocks run (``run_guide.py``).

There is no systemd where the tests run. ``systemctl start cite-vote`` here does what the unit
says: it reads the unit file the guide copied, starts its ``ExecStart`` as its ``User``, in its
``WorkingDirectory``, with nothing in the environment but its ``EnvironmentFile`` (and a PATH),
then waits for ``/healthz``. ``systemctl reload nginx`` and ``nginx -t`` use the real nginx on a
configuration that includes the site files the guide enabled. The only changes are those
listed in ``standin.json``: paths under the scratch root and free ports.

Standard library only: it runs with the system's python3, as the guide's commands do.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SETTINGS = json.loads(Path(os.environ["CITE_VOTE_STANDIN"]).read_text())
SCRATCH = Path(SETTINGS["root"])
NGINX = "/usr/sbin/nginx"


def substituted(text: str) -> str:
    for before, after in SETTINGS["paths"]:
        text = text.replace(before, after)
    return text


def unit(name: str) -> dict[str, str]:
    path = Path(substituted(f"/etc/systemd/system/{name}.service"))
    if not path.exists():
        sys.exit(f"systemctl (stand-in): Unit {name}.service not found at {path}.")
    fields: dict[str, str] = {}
    for line in substituted(path.read_text()).splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            fields.setdefault(key.strip(), value.strip())
    fields["ExecStart"] = fields["ExecStart"].replace(
        "127.0.0.1:8000", f"127.0.0.1:{SETTINGS['app_port']}"
    )
    return fields


def environment_file(path: str) -> dict[str, str]:
    values = {}
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";")) and "=" in line:
            key, _, value = line.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[key.strip()] = value
    return values


def pid_file(name: str) -> Path:
    return SCRATCH / "run" / f"{name}.pid"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def running(name: str) -> int | None:
    """The pid of a running stand-in service (``nginx -t`` may leave an empty pid file)."""
    path = pid_file(name)
    found = path.read_text().strip() if path.exists() else ""
    return int(found) if found.isdigit() and alive(int(found)) else None


def start(name: str) -> None:
    fields = unit(name)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    env.update(environment_file(fields["EnvironmentFile"]))
    log = (SCRATCH / "log" / f"{name}.log").open("a")
    command = ["runuser", "-u", fields["User"], "--", "env", "-i"]
    command += [f"{k}={v}" for k, v in env.items()] + fields["ExecStart"].split()
    process = subprocess.Popen(
        command,
        cwd=fields["WorkingDirectory"],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pid_file(name).write_text(str(process.pid))
    url = f"http://127.0.0.1:{SETTINGS['app_port']}/healthz"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    sys.exit(f"systemctl (stand-in): {name} did not start; its log:\n" + log_tail(name))


def log_tail(name: str) -> str:
    return (SCRATCH / "log" / f"{name}.log").read_text()[-4000:]


def stop(name: str) -> None:
    pid = running(name)
    pid_file(name).unlink(missing_ok=True)
    if pid is None:
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.killpg(pid, signal.SIGKILL)


def nginx_conf() -> Path:
    """A minimal nginx.conf running from the scratch root, with the enabled sites' files."""
    folder = SCRATCH / "nginx-run"
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(parents=True, exist_ok=True)
    sites = []
    enabled = Path(substituted("/etc/nginx/sites-enabled"))
    https = SETTINGS["https_port"]
    for site in sorted(enabled.iterdir()):
        text = site.read_text()
        for before, after in [
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{SETTINGS['app_port']};"),
            ("listen 80;", f"listen 127.0.0.1:{SETTINGS['http_port']};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
            (
                "return 301 https://$host$request_uri;",
                f"return 301 https://$host:{https}$request_uri;",
            ),
        ]:
            text = text.replace(before, after)
        sites.append(substituted(text))
    config = folder / "nginx.conf"
    config.write_text(
        f"""
pid {pid_file("nginx")};
error_log {SCRATCH / "log" / "nginx-error.log"};
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {SCRATCH / "log" / "nginx-access.log"};
    client_body_temp_path {folder / "body"};
    proxy_temp_path {folder / "proxy"};
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
{chr(10).join(sites)}
}}
"""
    )
    return config


def nginx(args: list[str]) -> None:
    config = nginx_conf()
    done = subprocess.run([NGINX, "-c", str(config), "-p", str(config.parent), *args])
    sys.exit(done.returncode)


def reload_nginx() -> None:
    config = nginx_conf()
    pid = running("nginx")
    if pid:
        os.kill(pid, signal.SIGHUP)
        time.sleep(0.5)
        return
    subprocess.run([NGINX, "-c", str(config), "-p", str(config.parent)], check=True)


def systemctl(args: list[str]) -> None:
    words = [a for a in args if not a.startswith("--")]
    verb, names = words[0], words[1:]
    if verb == "daemon-reload":
        return
    for name in names:
        if name == "nginx" and verb in {"reload", "restart", "start"}:
            reload_nginx()
        elif name == "nginx" and verb == "stop":
            pid = running("nginx")
            if pid:
                os.kill(pid, signal.SIGQUIT)
        elif verb == "enable" and "--now" in args or verb == "start":
            start(name)
        elif verb == "stop":
            stop(name)
        elif verb == "restart":
            stop(name)
            start(name)
        elif verb != "enable":
            sys.exit(f"systemctl (stand-in): {verb} is not stood in for")


if __name__ == "__main__":
    tool, *rest = sys.argv[1:]
    if tool == "systemctl":
        systemctl(rest)
    elif tool == "nginx":
        nginx(rest)
    else:
        sys.exit(f"unknown stand-in {tool}")
