"""Secret ballot in the results: small categories merged, a timeline by steps of voters.

Issue 17: a category with one or two members linked a ballot to a person through the results by
category, and the timeline of the ranking moved at each vote, so whoever saw someone vote at
14:31 read their dots off the chart. Rules in cite_vote/results/privacy.py.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from cite_vote.votes.models import LedgerEntry

T0 = datetime(2026, 5, 1, 14, 0)
SHOWN = {"chercheur·e", "association"}
SMALL = {"élu·e", "entrepreneur·e", "sans collège", "no category"}


# --- the rule on its own ----------------------------------------------------------------------


def test_categories_under_the_threshold_are_merged_into_other():
    from cite_vote.results.privacy import MIN_VOTERS, OTHER, category_groups

    assert MIN_VOTERS == 5
    order = ["chercheur·e", "élu·e", "entrepreneur·e", None]
    groups = category_groups({"chercheur·e": 7, "élu·e": 1, "entrepreneur·e": 2, None: 3}, order)
    assert groups.alone == ("chercheur·e",)
    assert groups.merged == ("élu·e", "entrepreneur·e", None)  # "no category" is a category
    assert groups.shown == ["chercheur·e", OTHER]


def test_other_below_the_threshold_takes_the_smallest_category_until_it_is_enough():
    from cite_vote.results.privacy import category_groups

    order = ["a", "b", "c", "élu·e"]
    groups = category_groups({"a": 9, "b": 6, "c": 5, "élu·e": 1}, order)
    assert groups.alone == ("a", "b") and groups.merged == ("c", "élu·e")
    # Equal sizes: the last listed joins first; and it goes on until "other" has 5 voters.
    groups = category_groups({"a": 2, "b": 2, "c": 2, "élu·e": 1}, order)
    assert groups.alone == () and groups.merged == ("a", "b", "c", "élu·e")
    # One group left: everyone is "other", which is the idea's total.
    groups = category_groups({"a": 6, "élu·e": 1}, order)
    assert groups.alone == () and groups.merged == ("a", "élu·e")
    # Nothing small: nothing merged; a category without voters is in no group.
    groups = category_groups({"a": 5, "b": 5, "c": 0}, order)
    assert groups.alone == ("a", "b") and groups.merged == () and groups.shown == ["a", "b"]


def test_merged_groups_add_up_to_the_same_dots():
    from cite_vote.results.privacy import OTHER, category_groups

    groups = category_groups({"a": 5, "b": 1, None: 4}, ["a", "b", None])
    folded = groups.fold({"a": 4, "b": 3, None: 2})
    assert folded == {"a": 4, OTHER: 5} and sum(folded.values()) == 9
    assert groups.is_room_group(OTHER) and groups.is_room_group("a")
    only_none = category_groups({"a": 5, None: 6}, ["a", None])
    assert not only_none.is_room_group(None)


def test_timeline_steps_each_hold_at_least_the_threshold_of_voters():
    from cite_vote.results.privacy import voter_steps

    # Voter 1 changes twice (one voter, not two); ideas 10 and 11.
    changes = [
        (10, T0, 2, 1),
        (10, T0 + timedelta(minutes=1), -1, 1),
        (11, T0 + timedelta(minutes=2), 3, 2),
        (10, T0 + timedelta(minutes=3), 1, 3),
        (10, T0 + timedelta(minutes=4), 1, 4),
        (11, T0 + timedelta(minutes=5), 2, 5),
        (10, T0 + timedelta(minutes=6), 3, 6),
        (10, T0 + timedelta(minutes=7), 1, 7),
    ]
    steps = voter_steps(changes)
    # Voters 1-5, then 6-7 (too few on their own) joined to the step before: one step.
    assert steps == [(T0 + timedelta(minutes=7), {10: 7, 11: 5})]
    ten_more = [(12, T0 + timedelta(minutes=10 + n), 1, 100 + n) for n in range(10)]
    steps = voter_steps(changes + ten_more)
    assert [at for at, _s in steps] == [T0 + timedelta(minutes=m) for m in (5, 12, 19)]
    assert [sums for _at, sums in steps] == [{10: 3, 11: 5}, {10: 4, 12: 3}, {12: 7}]
    # Fewer than five voters in all: one step, the final totals.
    assert voter_steps(changes[:3]) == [(T0 + timedelta(minutes=2), {10: 1, 11: 3})]


# --- every output, with categories of one and two voters ---------------------------------------


@pytest.fixture
def secret(make_forum, make_participant, make_idea, cast_dots, db):
    """Forum "secret", one challenge, closed: five researchers, five associations, one elected
    official (3 dots on the bike lane), two entrepreneurs, three without a category."""
    forum = make_forum(
        slug="secret",
        challenges=1,
        phase="voting",
        dot_budget=5,
        dot_cap=3,
        categories=["chercheur·e", "association", "élu·e", "entrepreneur·e"],
    )
    challenge = forum.challenges[0]
    lab, shuttle, bike = (
        make_idea(challenge, title=title, created_at=T0 - timedelta(hours=1, minutes=n))
        for n, title in enumerate(["Un observatoire", "Une navette", "Une piste cyclable"])
    )
    for _ in range(5):
        cast_dots(make_participant(forum, "chercheur·e"), lab, 1)
        cast_dots(make_participant(forum, "association"), shuttle, 1)
    cast_dots(make_participant(forum, "élu·e", name="Madame la Maire"), bike, 3)
    for _ in range(2):
        boss = make_participant(forum, "entrepreneur·e")
        cast_dots(boss, bike, 1)
        cast_dots(boss, lab, 1)
    for _ in range(3):
        cast_dots(make_participant(forum, None), shuttle, 1)
    challenge.phase = "closed"
    db.session.commit()
    return forum


def outputs(client, forum, make_participant, as_participant, make_staff, staff_login) -> dict:
    """Every page and file that shows dots by category, as a participant or an organiser."""
    challenge = forum.challenges[0]
    texts = {}
    as_participant(client, make_participant(forum))
    for path in ["results", f"results/c/{challenge.id}", "results.json"]:
        response = client.get(f"/f/{forum.slug}/{path}")
        assert response.status_code == 200, path
        texts[f"participant {path}"] = response.text
    staff_login(client, make_staff("organiser", owns=[forum]))
    for path in ["results", f"results/c/{challenge.id}", "results.json", "cahier", "screen"]:
        response = client.get(f"/f/{forum.slug}/{path}")
        assert response.status_code == 200, path
        texts[f"organiser {path}"] = response.text
    for lang in ("fr", "en"):
        response = client.get(f"/f/{forum.slug}/results.csv?lang={lang}")
        texts[f"results.csv {lang}"] = response.data.decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(client.get(f"/f/{forum.slug}/results.xlsx").data)) as book:
        texts["results.xlsx"] = " ".join(
            book.read(name).decode() for name in book.namelist() if name.endswith(".xml")
        )
    return texts


def labels_with_dots(where: str, text: str) -> set[str]:
    """The group names that a page, a file or the cahier gives dots to."""
    if where.endswith("results.json"):
        found = set()
        for res in json.loads(text)["challenges"]:
            for idea in res["ideas"]:
                found |= {
                    e["category"] or "no category"
                    for e in idea["dots_by_category"]
                    if "category" in e
                }
        return found
    if ".csv" in where or ".xlsx" in where:
        # Spreadsheet headings: "Points : <group>" (French) or "Dots: <group>" (English).
        return set(re.findall(r"(?:Points :|Dots:) ([^,;<\r\n\"]+)", text))
    bars = re.findall(r'class="swatch"[^>]*></span>([^<&]+)&nbsp;\d+', text)
    cahier = re.findall(r'class="cat-name">([^<]+)</span>', text)
    return set(bars) | set(cahier)


def test_no_output_shows_the_dots_of_a_category_of_one_or_two_voters(
    client, secret, make_participant, as_participant, make_staff, staff_login
):
    texts = outputs(client, secret, make_participant, as_participant, make_staff, staff_login)
    for where, text in texts.items():
        labels = labels_with_dots(where, text)
        assert not labels & SMALL, (where, labels)
        if "screen" not in where:
            # A category of five voters still shows on its own, "other" holds the rest.
            assert "chercheur·e" in labels, (where, labels)
        assert "Madame la Maire" not in text, where


def test_results_json_merges_small_categories_and_keeps_the_totals(
    client, secret, make_participant, as_participant
):
    as_participant(client, make_participant(secret))
    document = client.get("/f/secret/results.json").get_json()
    assert document["min_group_voters"] == 5
    (challenge,) = document["challenges"]
    assert challenge["other_categories"] == ["élu·e", "entrepreneur·e", None]
    ideas = {idea["title"]: idea for idea in challenge["ideas"]}
    for idea in ideas.values():
        assert sum(e["dots"] for e in idea["dots_by_category"]) == idea["dots"]
    assert ideas["Une piste cyclable"]["dots_by_category"] == [
        {"category": "chercheur·e", "dots": 0},
        {"category": "association", "dots": 0},
        {"other": ["élu·e", "entrepreneur·e", None], "dots": 5},
    ]
    assert ideas["Un observatoire"]["dots_by_category"][0] == {"category": "chercheur·e", "dots": 5}
    # The bike lane is carried by one group ("other"), not by two small categories: counting
    # them apart would tell whether the one elected official supported it.
    assert ideas["Une piste cyclable"]["categories_supporting"] == 1
    assert ideas["Un observatoire"]["categories_supporting"] == 2


def test_the_csv_has_an_other_column_that_names_what_it_holds(
    client, secret, make_staff, staff_login
):
    import csv

    staff_login(client, make_staff("organiser", owns=[secret]))
    text = client.get("/f/secret/results.csv").data.decode("utf-8-sig")
    rows = {row["Titre"]: row for row in csv.DictReader(io.StringIO(text))}
    bike = rows["Une piste cyclable"]
    assert bike["Points : autres"] == "5" and bike["Points : chercheur·e"] == "0"
    assert bike["Collèges dans « autres »"] == "élu·e, entrepreneur·e, sans collège"
    for row in rows.values():
        shown = ("Points : chercheur·e", "Points : association", "Points : autres")
        assert sum(int(row[c]) for c in shown) == int(row["Points"])


def test_the_pages_say_which_categories_are_counted_as_other(
    client, secret, make_participant, as_participant
):
    as_participant(client, make_participant(secret))
    html = client.get("/f/secret/results").text
    note = html.split('class="hint merged-note"')[1].split("</p>")[0]
    assert "moins de 5 votant·es" in note and "élu·e, entrepreneur·e, sans collège" in note


# --- the timeline ------------------------------------------------------------------------------


@pytest.fixture
def one_a_minute(make_forum, make_participant, make_idea, cast_dots, db):
    """Twelve people vote one after the other, a minute apart, 1, 2 or 3 dots on one idea."""
    forum = make_forum(slug="minute", challenges=1, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    idea = make_idea(challenge, title="La course")
    dots = [1 + n % 3 for n in range(12)]
    for n, count in enumerate(dots):
        voter = make_participant(forum, "chercheur·e")
        cast_dots(voter, idea, count)
        db.session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.participant_id == voter.id)
            .values(created_at=T0 + timedelta(minutes=n))
        )
    challenge.phase = "closed"
    db.session.commit()
    return forum, idea, dots


def test_the_timeline_moves_by_steps_of_five_voters_at_least(one_a_minute):
    from cite_vote.results.services import challenge_results, ranking_timeline

    forum, idea, dots = one_a_minute
    (res,) = challenge_results(forum, list(forum.challenges))
    ((_ranked, points),) = ranking_timeline(res).series
    # After the fifth voter, then the last seven together: never one voter's dots alone.
    assert points == [(T0 + timedelta(minutes=4), sum(dots[:5])), (T0 + timedelta(minutes=11), 24)]


def test_the_timeline_a_participant_sees_never_moves_by_one_voter(
    client, one_a_minute, make_participant, as_participant
):
    forum, idea, dots = one_a_minute
    as_participant(client, make_participant(forum))
    html = client.get(f"/f/minute/results/c/{forum.challenges[0].id}").text
    assert 'id="timeline-' in html and "par au moins 5 personnes" in html
    (line,) = re.findall(r'<polyline points="([^"]+)"', html)
    levels = []
    for pair in line.split():
        y = float(pair.split(",")[1])
        if not levels or levels[-1] != y:
            levels.append(y)
    # 0, after five voters, the end: twelve voters give at most 12 // 5 steps.
    assert len(levels) - 1 <= len(dots) // 5, levels
