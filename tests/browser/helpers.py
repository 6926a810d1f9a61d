"""Small helpers shared by the browser tests."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("CITE_VOTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "fr-FR",
}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "fr-FR"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under tests/artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# What htmx marks while a request, a swap or a settle is under way.
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def settled(page) -> None:
    """Wait until the page's fonts are drawn and htmx has no request, swap or settle under way:
    what a screenshot or a measure needs, without a fixed pause."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


def tap(page, button) -> None:
    """Click a dot button and wait for the server's answer to be swapped in."""
    with page.expect_response(lambda response: response.url.endswith("/dots")):
        button.click()
    settled(page)
