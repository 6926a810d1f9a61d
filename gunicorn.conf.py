"""gunicorn settings for cite-vote: ``gunicorn -c gunicorn.conf.py wsgi:app`` (``make run``).

Chosen from ``make bench`` on the reference machine (2 cores, SQLite); see docs/performance.md.
Every value can be overridden on the command line (``--workers 4``, ``--bind``) or through
``WEB_CONCURRENCY`` (workers) and ``HOST``/``PORT`` (bind), as ``make run`` does.
"""

import os

# Where to listen: loopback by default; behind a reverse proxy, keep it so.
bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"

# PROVISIONAL: set from the measurements below.
workers = int(os.environ.get("WEB_CONCURRENCY") or 3)
worker_class = "sync"
threads = 1
timeout = 30
keepalive = 2

accesslog = os.environ.get("CITE_VOTE_ACCESS_LOG", "-")
