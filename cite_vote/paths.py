"""Where the app's files are: the repository's root (templates, static, docs, migrations).

Its own module, imported by whatever needs a path, so that nothing imports the package's root
``cite_vote/__init__.py`` (the app factory, which imports every blueprint).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
