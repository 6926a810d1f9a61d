"""Issue 22's scene: 150 phones and 6 printed sheets of 8 people, with an idea merged after the
sheets were printed, give one ranking everywhere: the results page, the projector, every
download, the cahier, the published log and both recounts, and the server's own checks."""

import csv
import io
import random
import re

from openpyxl import load_workbook

from cite_vote.forums.models import Challenge
from cite_vote.results.public_log import build_log
from cite_vote.results.screen.services import _ranking
from cite_vote.timeutil import utcnow
from cite_vote.votes.moderation import merge_ideas
from cite_vote.votes.paper import paper_counts, paper_dots
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import rule_breaches, set_dots
from tests.test_recount import run_script

SLUG = "papier"


def ids_in(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-idea-id="(\d+)"', html)]


def test_phones_and_paper_give_one_ranking_everywhere(
    make_forum, make_participant, make_idea, make_staff, staff_login, app, db, runner, tmp_path
):
    forum = make_forum(slug=SLUG, challenges=1, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(1, 7)]
    rng = random.Random(22)
    for _ in range(150):
        person = make_participant(forum, category=rng.choice([None, "association", "citoyen·ne"]))
        left = 5
        for idea in rng.sample(ideas, 3):
            n = min(left, rng.randint(0, 3))
            if n:
                set_dots(person, idea, n)
                left -= n
        db.session.commit()
    facilitator = app.test_client()
    staff_login(facilitator, make_staff("facilitator", forums=[forum]))
    owner = make_staff("organiser", owns=[forum])
    organiser = app.test_client()
    staff_login(organiser, owner)
    base = f"/staff/f/{SLUG}/paper/c/{challenge.id}"
    assert facilitator.get(f"{base}/print?first=1&count=6").status_code == 200
    # After printing, idea 6 is merged into idea 1: the sheets still carry its line.
    merge_ideas(ideas[5], ideas[0], owner)
    db.session.commit()
    written_on_6 = 0
    for number in range(1, 7):
        people, left = 8, 40
        data = {"people": people}
        for idea in rng.sample(ideas, 4):
            n = min(left, rng.randint(0, 24))
            data[f"idea-{idea.id}"] = n
            left -= n
        data[f"idea-{ideas[5].id}"] = data.get(f"idea-{ideas[5].id}", 0) or min(left, 6)
        written_on_6 += data[f"idea-{ideas[5].id}"]
        response = facilitator.post(f"{base}/{number}", data=data)
        assert response.status_code == 303, response.text
    assert written_on_6 > 0
    counts = paper_counts([challenge.id])
    assert (counts.sheets, counts.people) == (6, 48)
    assert ideas[5].id not in paper_dots([challenge.id])  # moved to idea 1, within the cap
    assert rule_breaches([challenge.id]) == []

    set_phase(forum, "closed", challenge)
    db.session.commit()
    log = build_log(forum, list(forum.challenges), generated_at=utcnow())
    record = log["challenges"][0]
    assert log["version"] == 3 and len(record["sheets"]) == 6
    expected = [r["idea_id"] for r in record["ranking"]]
    assert len(expected) == 5
    assert run_script(tmp_path, log).returncode == 0

    page = organiser.get(f"/f/{SLUG}/results")
    assert ids_in(page.text) == expected, (page.status_code, page.text[:3000])
    challenge = db.session.get(Challenge, challenge.id)
    assert [s.idea.id for s in _ranking(challenge)[0]] == expected
    data = organiser.get(f"/f/{SLUG}/results.json").get_json()
    assert [i["idea_id"] for i in data["challenges"][0]["ideas"]] == expected
    assert [i["dots"] for i in data["challenges"][0]["ideas"]] == [
        r["dots"] for r in record["ranking"]
    ]
    assert data["challenges"][0]["paper"]["sheets"] == 6
    text = organiser.get(f"/f/{SLUG}/results.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [int(r["N° de l’idée"]) for r in rows if r["Rang"] != ""] == expected
    assert sum(int(r["Points des feuilles papier"]) for r in rows) == counts.dots
    book = load_workbook(io.BytesIO(organiser.get(f"/f/{SLUG}/results.xlsx").data))
    listed = [r[4] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True) if r[2]]
    assert listed == expected
    cahier = organiser.get(f"/f/{SLUG}/cahier").text
    assert ids_in(cahier.split('id="method')[0]) == expected
    assert "sur papier" in cahier and 'id="method-paper"' in cahier
    assert "sur papier" in organiser.get(f"/f/{SLUG}/results").text  # staff see the share
    assert runner.invoke(args=["recount", SLUG]).exit_code == 0
    assert runner.invoke(args=["verify", SLUG]).exit_code == 0
