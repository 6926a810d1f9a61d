"""Real-browser tests: Playwright drives Debian's chromium against a live server.

No browser is downloaded: Playwright launches /usr/bin/chromium (the Makefile installs it).
In CI a missing browser fails the run; it is never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

from cite_vote.extensions import db
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, LAPTOP, PHONE, PROJECTOR
from tests.helpers import empty_schema, make_test_app


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}: "
            "run `make test` as root, or `sudo apt-get install chromium`."
        )
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args():
    return PHONE


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server_config() -> dict:
    """Override in a test module to change the live server's settings."""
    return {}


@pytest.fixture
def live_server(database_url, live_server_config):
    """The app served on a free port of 127.0.0.1, with CSRF on, as in production."""
    app = make_test_app(
        database_url,
        **{"WTF_CSRF_ENABLED": True, "SERVER_NAME": None, "TESTING": False, **live_server_config},
    )
    with app.app_context():
        empty_schema()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Polled every 50 ms for the shutdown at the end, not every 0.5 s (a third of a second per
    # test spent waiting).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def new_phone(browser):
    """Open another phone (its own cookies): ``page = new_phone()``."""
    contexts = []

    def open_phone():
        context = browser.new_context(**PHONE)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def projector_page(browser):
    context = browser.new_context(**PROJECTOR)
    yield context.new_page()
    context.close()


@pytest.fixture
def laptop(browser):
    """A staff member's laptop (its own cookies): a page at 1280x900."""
    context = browser.new_context(**LAPTOP)
    yield context.new_page()
    context.close()
