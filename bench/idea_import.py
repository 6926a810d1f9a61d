"""An organiser's biggest import, timed: a file of 5,000 ideas into a challenge of 200.

    .venv/bin/python bench/idea_import.py [--rows 5000] [--existing 200]

Times the preview (reading the file, each row's fate against the challenge's ideas and the
file's earlier rows) and the confirmation (checked again, then stored with its history),
through the Flask test client (in-process: the server's time), on a fresh SQLite database.
docs/handoff.md; ``cite_vote/ideas/imports/``.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cite_vote import create_app  # noqa: E402
from cite_vote.accounts.services import create_staff_user  # noqa: E402
from cite_vote.extensions import db  # noqa: E402
from cite_vote.forums.services import add_challenge, create_forum  # noqa: E402
from cite_vote.ideas.models import Idea  # noqa: E402

PASSWORD = "bench-password-123"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--existing", type=int, default=200)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "bench.test",
        }
    )
    with app.app_context():
        db.create_all()
        forum = create_forum(slug="bench", title="Bench", categories=["association"])
        challenge = add_challenge(forum, title="Défi", question="Que faire ?", phase="proposing")
        for n in range(args.existing):
            db.session.add(
                Idea(challenge_id=challenge.id, title=f"Idée existante {n} sur les tiers-lieux")
            )
        forum.owner_id = create_staff_user("bench@example.org", "organiser", PASSWORD).id
        db.session.commit()
        url = f"/staff/f/bench/c/{challenge.id}/import"
    client = app.test_client()
    client.post("/staff/login", data={"email": "bench@example.org", "password": PASSWORD})
    rows = "".join(
        f"Proposition {n} pour former les jeunes au numérique;"
        f"Une description de l'idée {n}, assez longue pour être réaliste;association;Auteur {n}\n"
        for n in range(args.rows)
    )
    data = ("titre;description;catégorie;auteur\n" + rows).encode()
    started = time.perf_counter()
    preview = client.post(
        url, data={"file": (io.BytesIO(data), "idees.csv")}, content_type="multipart/form-data"
    )
    preview_s = time.perf_counter() - started
    signed = re.search(r'name="rows" type="hidden" value="([^"]+)"', preview.text).group(1)
    started = time.perf_counter()
    confirm = client.post(url + "/confirm", data={"rows": signed})
    confirm_s = time.perf_counter() - started
    print(
        f"{args.rows} rows ({len(data)} bytes) against {args.existing} ideas: "
        f"preview {preview.status_code} in {preview_s:.2f} s ({len(preview.data)} bytes, "
        f"signed rows {len(signed)} bytes); confirm {confirm.status_code} in {confirm_s:.2f} s"
    )


if __name__ == "__main__":
    main()
