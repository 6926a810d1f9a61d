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
