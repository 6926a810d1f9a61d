"""gunicorn settings for cite-vote: ``gunicorn -c gunicorn.conf.py wsgi:app`` (``make run``).

Chosen from ``make bench`` on the reference machine (2 cores, SQLite, the event day of
bench/event.py); the figures are in docs/performance.md. Every value can be overridden on the
command line (``--workers 4``, ``--bind 0.0.0.0:8080``), which ``make run WORKERS=… HOST=…
PORT=…`` does, or with ``WEB_CONCURRENCY`` for the number of workers.

gunicorn also reads this file by itself when started from the repository's top folder without
``-c`` (the test suite's real servers do); their command-line flags win over it.
"""

import contextlib
import os
import socket

# Loopback by default: put a reverse proxy in front, or `make run HOST=0.0.0.0` in a room.
bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"

# On SQLite: sync workers, one per core. Every request of the room is CPU work in Python
# (SQLAlchemy, Jinja2: see the profiles), so two processes keep two cores busy; a third only
# queues for the same cores. On SQLite it does worse than that: writers take turns on one
# database lock, and a writer that finds it taken sleeps in SQLite's busy handler (backing off up
# to 100 ms) while the lock is free again after a millisecond. In the event scenario (1,000
# phones, same run conditions) 3 sync workers stored 1,251 votes in the window, 2 stored 3,211;
# gthread stored 3,211 with 2 workers x 4 threads and 2,132 with 3 x 2, with 5 to 8 MB more per
# worker, and threads of one process share one GIL, so they add no CPU.
#
# On PostgreSQL: the same two workers, with 2 threads each (gthread). A request there waits for
# the database several times (a vote: 6 round trips, its commit waiting for the disk); a sync
# worker sits idle through each wait, and the event on two sync workers used 35 % of one core
# while phones timed out (docs/performance.md). A thread waiting on the socket gives up the GIL,
# so the worker's other threads use the core meanwhile. Each worker's pool holds one connection
# per thread (``config.engine_options`` reads CITE_VOTE_DB_POOL_SIZE). More cores: raise the
# workers (WEB_CONCURRENCY or --workers); docs/deploy.md gives PostgreSQL's connections for it.
# Two threads, not four: on the event of 2,000 phones on two cores (docs/performance.md) four
# threads queued more requests onto the same two cores (vote p95 220 ms, opening page 606 ms)
# where two met every latency target (70 ms, 336 ms), with 3 MB less per worker.
_POSTGRES = (os.environ.get("CITE_VOTE_DATABASE_URL") or "").startswith("postgresql")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
if _POSTGRES:
    worker_class = "gthread"
    threads = int(os.environ.get("CITE_VOTE_THREADS") or 2)
    os.environ.setdefault("CITE_VOTE_DB_POOL_SIZE", str(threads))
else:
    worker_class = "sync"
    threads = 1

# A request past 30 s is a bug (a heavy download must be built ahead, see issue 11): the worker
# is killed and restarted rather than held. htmx itself gives up after 15 s (base.html).
timeout = 30
graceful_timeout = 20

# Sync workers close each connection after its response (they cannot hold one open without
# blocking the worker), so keepalive only matters with another worker class or behind a proxy
# that keeps connections to us; 5 s covers the phones' 5 s poll if one is used.
keepalive = 5

# One line per request is off by default: at the opening a room of 2,000 phones makes 400 a
# second, too many to read, and writing them took 6 % of the workers' time (py-spy during the
# event, docs/performance.md). Errors and warnings still go to stderr. CITE_VOTE_ACCESS_LOG=-
# puts them on stdout, or names a file; nginx in front keeps its own access log.
accesslog = os.environ.get("CITE_VOTE_ACCESS_LOG") or None

# gunicorn 27's control socket has one default path per user (~/.gunicorn/gunicorn.ctl): two
# servers on one host (the benchmark's app and its bare Flask ceiling, two ports standing for
# two hosts) would take it from each other. Nothing here uses it.
control_socket_disable = True


# A sync worker closes each connection after its response. gunicorn 27 closes "gracefully":
# it half-closes, then waits (up to 2 s) for the client to close its side, serving nobody
# meanwhile. That close comes one round trip later, tens to hundreds of milliseconds on a
# crowded Wi-Fi, so with two workers a room of slow phones caps the server at a few requests a
# second (tests/test_deploy_slow_clients.py: the next request waited 2.0 s behind a phone that
# kept its connection; the event benchmark's workers spent 12 % of their time there). The wait
# exists so that a client still sending (a body refused before it was read) gets the answer
# rather than a reset; only then is it kept. When the request was read whole and its answer
# sent, nothing is left to drain: gunicorn's public post_request hook shuts the connection both
# ways, so the FIN follows the response and gunicorn's own close that comes next finds the
# read side shut and waits for nothing. Only public parts of gunicorn are used (the hook and
# the WSGI environ's ``gunicorn.socket``); ``tests/test_deploy_slow_clients.py`` checks it.
def post_request(worker, req, environ, resp):
    sock = environ.get("gunicorn.socket") if environ else None
    if sock is None or resp is None or not resp.headers_sent or not resp.should_close():
        return  # an error answer still to write, or a connection kept alive (gthread)
    if _still_sending(sock):
        return  # gunicorn's linger, so the refusal arrives rather than a reset
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _still_sending(sock) -> bool:
    """Whether the client's bytes wait unread (a peek that never blocks)."""
    try:
        sock.setblocking(False)
        return bool(sock.recv(1, socket.MSG_PEEK))
    except OSError:  # nothing there (EAGAIN), or the client already reset or closed
        return False
    finally:
        with contextlib.suppress(OSError):
            sock.setblocking(True)
