"""Screenshots of every page at 360×740, 1366×768 and 1920×1080, and the README's chosen set.

    make screenshots        # or: .venv/bin/python -m tests.browser.screenshots

It serves the demo forum (the six challenges of the 2018 regional forum) filled as it would be
in the middle of the day: 48 people, one challenge closed with its results, one being voted on
and projected, others open for ideas, an idea waiting for moderation. Chromium (Debian's, as in
the browser tests) then visits every page, the participant's and the staff's, at each size:

- tests/artifacts/screenshots/<size>/<page>.png: the screen as seen, and <page>.full.png: the
  whole page (git-ignored; look at them before a release);
- docs/screenshots/: the chosen set the README shows, optimised (a palette PNG, < 200 KB each),
  and the cahier's first pages rendered from its PDF (pdftoppm, Debian's poppler-utils).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from cite_vote.accounts.services import assign_staff, create_staff_user, new_participant
from cite_vote.accounts.tickets import generate_tickets
from cite_vote.demo import ensure_demo_forum
from cite_vote.extensions import db
from cite_vote.ideas.models import Comment, Idea
from cite_vote.results.screen.services import show_on_screen
from cite_vote.votes.services import set_dots
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, settled, tap
from tests.helpers import make_test_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "screenshots"
CHOSEN = ROOT / "docs" / "screenshots"
EMAIL, PASSWORD = "organisatrice@region.example", "une-phrase-de-passe-longue"
PUBLIC_URL = "https://forum.region.example"
SIZE_LIMIT = 200_000

SIZES = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "laptop": {"viewport": {"width": 1366, "height": 768}},
    "projector": {"viewport": {"width": 1920, "height": 1080}},
}

# More ideas than the demo's two per challenge, as a room produces them.
MORE_IDEAS = {
    1: [
        ("Une veille partagée entre les laboratoires et les branches", 2),
        ("Des scénarios à 10 ans discutés chaque année en public", 4),
        ("Un baromètre des compétences en tension", 1),
        ("Un fonds d’amorçage pour les études prospectives", 5),
    ],
    2: [
        ("Des cours en binôme enseignant·e – professionnel·le", 3),
        ("Une plateforme pour partager les supports de formation", 0),
        ("Valoriser l’expérience des apprenant·es dans les diplômes", 4),
        ("Des stages croisés entre lycées et entreprises", 1),
        ("Un festival des pédagogies qui marchent", 2),
    ],
    4: [
        ("Un bus des métiers qui va dans les villages", 4),
        ("Des ateliers pour les parents sur l’orientation", 2),
    ],
}
COMMENTS = [
    "Oui, et en associant les lycées professionnels dès le départ.",
    "Il faudrait un lieu fixe, pas seulement des événements.",
    "Qui finance sur la durée ?",
    "Nous l’avons essayé à Bourges : ça marche si les entreprises s’engagent.",
]


@dataclass
class Scene:
    slug: str
    code: str
    closed: int  # challenge ids
    voting: int
    proposing: int
    idea: int  # an idea with comments, in the voting challenge
    pending: int  # an idea waiting for moderation
    duplicate: tuple[int, int]


def build_scene() -> Scene:
    """The demo forum in the middle of the day (run inside an app context)."""
    rng = random.Random(2018)
    forum, _created = ensure_demo_forum()
    owner = create_staff_user(EMAIL, "organiser", PASSWORD)
    db.session.flush()
    forum.owner_id = owner.id
    assign_staff(forum, owner)
    challenges = sorted(forum.challenges, key=lambda c: c.position)
    for position, ideas in MORE_IDEAS.items():
        for title, author in ideas:
            db.session.add(
                Idea(
                    challenge_id=challenges[position - 1].id,
                    title=title,
                    author_category=forum.categories[author],
                )
            )
    closed, voting, third, proposing = challenges[0], challenges[1], challenges[2], challenges[3]
    duplicate = Idea(
        challenge_id=proposing.id,
        title="Un bus des métiers qui passe dans les villages",
        author_category=forum.categories[5],
    )
    pending = Idea(
        challenge_id=proposing.id,
        title="Une application pour trouver un stage près de chez soi",
        description="Avec les offres des entreprises du forum.",
        status="pending",
        author_category=forum.categories[4],
    )
    db.session.add_all([duplicate, pending])
    db.session.flush()
    # People with a phone (a token): the room's counts include them.
    people = [
        new_participant(forum, token=f"phone-{n}", category=forum.categories[n % 6])
        for n in range(48)
    ]
    for challenge in (closed, voting, third):
        challenge.phase = "voting"
    db.session.flush()
    for challenge, voters in ((closed, people), (voting, people[:31]), (third, people[:12])):
        ideas = list(db.session.scalars(db.select(Idea).filter_by(challenge_id=challenge.id)))
        weights = [rng.uniform(0.3, 3) for _ in ideas]
        for person in voters:
            placed: dict[int, int] = {}
            for _ in range(forum.dot_budget):
                idea = rng.choices(ideas, weights)[0]
                if placed.get(idea.id, 0) < forum.dot_cap:
                    placed[idea.id] = placed.get(idea.id, 0) + 1
            for idea in ideas:
                if placed.get(idea.id):
                    set_dots(person, idea, placed[idea.id])
    voted = list(db.session.scalars(db.select(Idea).filter_by(challenge_id=voting.id)))
    for n, body in enumerate(COMMENTS):
        db.session.add(
            Comment(idea_id=voted[n % 2].id, body=body, author_category=forum.categories[n + 1])
        )
    closed.phase = "closed"
    for challenge in challenges[3:5]:
        challenge.phase = "proposing"
    forum.projection_mode = "live"
    forum.screen_rotate = False
    show_on_screen(forum, voting)
    generate_tickets(forum, 20)
    db.session.commit()
    return Scene(
        forum.slug,
        forum.join_code,
        closed.id,
        voting.id,
        proposing.id,
        voted[0].id,
        pending.id,
        (duplicate.id, voted[0].id),
    )


class Shooter:
    def __init__(self, page: Page, size: str):
        self.page, self.size = page, size
        self.folder = ARTIFACTS / size
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        settled(self.page)
        self.page.screenshot(path=str(self.folder / f"{name}.png"))
        self.page.screenshot(path=str(self.folder / f"{name}.full.png"), full_page=True)


def participant_pages(browser, url: str, scene: Scene, size: str) -> None:
    context = browser.new_context(**SIZES[size], locale="fr-FR")
    page = context.new_page()
    shot = Shooter(page, size)
    base = f"{url}/f/{scene.slug}"
    page.goto(f"{url}/")
    shot("home")
    page.goto(f"{url}/j/{scene.code}")
    page.locator("#display_name").fill("Camille")
    page.locator("#category").select_option("association")
    page.evaluate("document.activeElement.blur()")
    shot("join")
    page.get_by_role("button", name="Entrer dans le forum").click()
    page.wait_for_url(base)
    shot("forum")
    page.goto(f"{base}/c/{scene.proposing}")
    shot("challenge_proposing")
    page.goto(f"{base}/c/{scene.voting}")
    page.wait_for_function("() => window.htmx !== undefined")
    cards = page.locator("li.idea")
    for n, taps in ((0, 2), (2, 1)):
        for _ in range(taps):
            tap(page, cards.nth(n).locator(".plus"))
            expect(cards.nth(n)).to_have_attribute("data-vote-state", "saved")
    # The cards under the question, as a person voting sees them.
    page.evaluate("window.scrollTo(0, document.querySelector('li.idea').offsetTop - 90)")
    shot("challenge_voting")
    tap(page, cards.nth(0).locator(".plus"))
    cards.nth(0).locator(".plus").click()  # past the cap: refused, on the card
    page.wait_for_selector("li.idea [role=alert]")
    # The refused card whole, from its title to its message.
    page.evaluate(
        "const card = document.querySelector('li.idea [role=alert]').closest('li.idea');"
        "window.scrollTo(0, card.getBoundingClientRect().top + scrollY - 16)"
    )
    shot("challenge_refused")
    page.goto(f"{base}/i/{scene.idea}")
    shot("idea")
    page.goto(f"{base}/results")
    shot("results_participant")
    page.goto(f"{url}/accessibilite")
    shot("accessibility")
    context.close()


def staff_pages(browser, url: str, scene: Scene, size: str) -> bytes:
    context = browser.new_context(**SIZES[size], locale="fr-FR")
    page = context.new_page()
    shot = Shooter(page, size)
    staff = f"{url}/staff/f/{scene.slug}"
    page.goto(f"{url}/staff/login")
    shot("staff_login")
    page.locator("input[type=email]").fill(EMAIL)
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    page.wait_for_url(f"{url}/staff/")
    shot("staff_home")
    pages = {
        "control": staff,
        "settings": f"{staff}/settings",
        "challenges": f"{staff}/challenges",
        "team": f"{staff}/team",
        "tickets": f"{staff}/tickets",
        "ticket_sheet": f"{staff}/tickets/print",
        "moderation": f"{staff}/moderation",
        "moderate_idea": f"{staff}/moderation/i/{scene.pending}",
        "merge": f"{staff}/moderation/i/{scene.duplicate[0]}/merge",
        "assisted": f"{staff}/assisted",
        "results": f"{url}/f/{scene.slug}/results",
        "results_challenge": f"{url}/f/{scene.slug}/results/c/{scene.closed}",
        "tokens": f"{url}/staff/f/{scene.slug}/tokens",
        "screen_control": f"{staff}/screen",
        "screen": f"{url}/f/{scene.slug}/screen",
        "cahier": f"{url}/f/{scene.slug}/cahier",
    }
    for name, address in pages.items():
        page.goto(address)
        shot(name)
    pdf = context.request.get(f"{url}/f/{scene.slug}/cahier.pdf").body()
    context.close()
    return pdf


def optimise(source: Path, target: Path, *, width: int | None = None) -> int:
    """A palette PNG (screenshots have few colours), scaled down if asked; returns its size."""
    image = Image.open(source).convert("RGB")
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        target, optimize=True
    )
    return target.stat().st_size


def cahier_pages(pdf: bytes, target: Path, pages: int = 3) -> int:
    """The cahier's first pages side by side, from the PDF as it prints."""
    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm is missing: apt-get install poppler-utils (make screenshots).")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cahier.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(pages), path, Path(tmp) / "p"],
            check=True,
        )
        images = [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("p-*.png"))]
        gap = 24
        sheet = Image.new(
            "RGB",
            (sum(i.width for i in images) + gap * (len(images) + 1), images[0].height + 2 * gap),
            (228, 231, 236),
        )
        x = gap
        for image in images:
            sheet.paste(image, (x, gap))
            x += image.width + gap
        sheet.save(Path(tmp) / "sheet.png")
        return optimise(Path(tmp) / "sheet.png", target)


# The README's set: (file in docs/screenshots, size, page, width to scale down to).
README_SET = [
    ("phone-join.png", "phone", "join", 540),
    ("phone-voting.png", "phone", "challenge_voting", 540),
    ("phone-refusal.png", "phone", "challenge_refused", 540),
    ("projector-ranking.png", "projector", "screen", 1280),
    ("laptop-control.png", "laptop", "control", None),
    ("laptop-moderation.png", "laptop", "moderation", None),
    ("laptop-results.png", "laptop", "results", None),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_test_app(
            f"sqlite:///{tmp}/screenshots.sqlite3",
            WTF_CSRF_ENABLED=True,
            SERVER_NAME=None,
            TESTING=False,
            PUBLIC_URL=PUBLIC_URL,
        )
        with app.app_context():
            db.create_all()
            scene = build_scene()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                pdf = b""
                for size in args.sizes:
                    participant_pages(browser, url, scene, size)
                    pdf = staff_pages(browser, url, scene, size)
                browser.close()
        finally:
            server.shutdown()
    CHOSEN.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, size, page, width in README_SET:
        if size in args.sizes:
            sizes[name] = optimise(ARTIFACTS / size / f"{page}.png", CHOSEN / name, width=width)
    sizes["cahier-pages.png"] = cahier_pages(pdf, CHOSEN / "cahier-pages.png")
    print(f"Every page: {ARTIFACTS}/<size>/. The README's set, in {CHOSEN}:")
    for name, size in sizes.items():
        print(f"  {name:24} {size / 1000:6.0f} KB{'  (over 200 KB)' if size > SIZE_LIMIT else ''}")


if __name__ == "__main__":
    main()
