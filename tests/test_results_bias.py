"""Order bias (results/bias.py): each voter's screen recomputed, Spearman with n, the sentence."""

from __future__ import annotations

import math

import pytest

from cite_vote.ideas.services import personal_order, position_key
from cite_vote.results.bias import (
    LINK_NOT_DECISIVE,
    MAY_HAVE_WEIGHED,
    NO_LINK,
    NOT_ENOUGH,
    add_order_bias,
    average_ranks,
    measure,
    spearman,
)
from cite_vote.results.services import challenge_results

IDEAS = [11, 12, 13, 14, 15, 16]


def screen(seed: int) -> list[int]:
    return sorted(IDEAS, key=lambda i: position_key(seed, i))


def test_an_idea_shown_high_by_chance_is_not_taken_for_a_position_effect():
    """Everyone backs idea 13, which these seeds happen to show above the middle: the measure
    compares voters on the same idea, so it finds no position effect."""
    seeds = list(range(1, 61))
    bias = measure(IDEAS, seeds, {(seed, 13): 3 for seed in seeds}, seeds)
    assert bias.mean_position[13] < 3.2
    assert bias.verdict == NO_LINK


def test_ties_share_the_mean_of_their_ranks():
    assert average_ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4]
    assert average_ranks([3, 3, 3]) == [2, 2, 2]


def test_spearman_matches_the_textbook_values():
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]).rho == pytest.approx(0.8)
    assert spearman([1, 2, 3, 4], [40, 30, 20, 10]).rho == pytest.approx(-1)
    # With ties: Pearson's r on the average ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4].
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]).rho == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    undefined = spearman([1, 2, 3], [5, 5, 5])
    assert (undefined.rho, undefined.n, undefined.p) == (None, 3, None)
    strong = spearman(list(range(100)), list(range(100)))
    assert strong.n == 100 and strong.p < 1e-6


def test_the_personal_order_is_the_one_the_results_recompute(
    make_forum, make_participant, make_idea
):
    forum = make_forum(phase="voting")
    ideas = [make_idea(forum.challenges[0], title=f"Idée {n}") for n in range(6)]
    person = make_participant(forum)
    seen = [i.id for i in personal_order(ideas, person)]
    assert seen == sorted((i.id for i in ideas), key=lambda i: position_key(person.shuffle_seed, i))


def test_voters_who_back_the_same_idea_wherever_it_is_shown_show_no_link():
    seeds = list(range(1, 61))
    # Everyone: 3 dots on idea 13 wherever it was, and one on an idea chosen by taste (here
    # the seed), not by where it was shown.
    dots = {(seed, 13): 3 for seed in seeds}
    for seed in seeds:
        liked = IDEAS[seed % 6]
        dots[(seed, liked)] = dots.get((seed, liked), 0) + 1
    bias = measure(IDEAS, seeds, dots, seeds)
    assert bias.voters == 60 and bias.ideas == 6 and bias.within.n == 360
    assert bias.verdict == NO_LINK
    assert "No sign that the order of display weighed on the votes." in bias.sentence()
    assert_plain(bias.sentence())
    # Every idea's mean position is an average over the 60 screens, and they average to 3.5.
    assert sum(bias.mean_position.values()) / 6 == pytest.approx(3.5)


def test_voters_who_back_whatever_they_see_first_show_the_order_weighed():
    seeds = list(range(1, 61))
    dots = {(seed, screen(seed)[0]): 3 for seed in seeds}
    bias = measure(IDEAS, seeds, dots, seeds)
    assert bias.within.rho < -0.5 and bias.within.significant
    # The ranking then only says how often each idea came first: corrected, nothing is left.
    assert not bias.order_holds
    assert bias.verdict == MAY_HAVE_WEIGHED
    assert "may have weighed" in bias.sentence()
    # Every dot went to the first idea on the screen: all of them at the top.
    assert bias.top_share == 1 and bias.top_points > 50
    assert "100.0% of the dots went to the ideas shown at the top" in bias.sentence()
    assert_plain(bias.sentence())


def test_a_position_effect_smaller_than_the_gaps_of_the_top_does_not_decide_the_ranking():
    # By taste: 3 dots on idea 13 from everyone, 2 on 14 from three in four, 1 on 12 from one
    # in two. And one in three also puts a dot on what they saw first: a position effect, too
    # small to reorder the top 3.
    seeds = list(range(1, 201))
    dots: dict[tuple[int, int], int] = {}

    def give(seed, idea, n):
        dots[(seed, idea)] = dots.get((seed, idea), 0) + n

    for seed in seeds:
        give(seed, 13, 3)
        if seed % 4:
            give(seed, 14, 2)
        if seed % 2:
            give(seed, 12, 1)
        if seed % 3 == 0:
            give(seed, screen(seed)[0], 1)
    ranked = sorted(IDEAS, key=lambda i: -sum(d for (_s, j), d in dots.items() if j == i))
    assert ranked[:3] == [13, 14, 12]
    bias = measure(ranked, seeds, dots, seeds, top=3)
    assert bias.within.significant and bias.within.rho < 0
    assert bias.order_holds
    assert bias.verdict == LINK_NOT_DECISIVE
    assert "near the top of" in bias.sentence() and "keep their order" in bias.sentence()
    assert bias.top_points > 0
    assert_plain(bias.sentence())


def test_too_few_voters_say_so():
    bias = measure(IDEAS, [1, 2], {(1, 11): 1, (2, 12): 2}, [1, 2])
    assert bias.verdict == NOT_ENOUGH and "Too few votes" in bias.sentence()
    assert_plain(bias.sentence())


# --- the sentence in percentage points --------------------------------------------------------

OLD_WORDING = ["did not decide", "n’a pas décidé", "Spearman", "ρ", "n = ", "p = ", "p-value"]


def assert_plain(text: str) -> None:
    """What people read: no statistics' jargon, and never "did not decide the ranking"."""
    for words in OLD_WORDING:
        assert words not in text, words


def balanced_seeds(ideas: list[int]) -> list[int]:
    """Seeds whose screens are the rotations of ``ideas``: each idea is shown first on exactly
    one screen, and in the top third on exactly a third of them."""
    wanted = {tuple(ideas[r:] + ideas[:r]): r for r in range(len(ideas))}
    found: dict[int, int] = {}
    seed = 0
    while len(found) < len(ideas):
        seed += 1
        rotation = wanted.get(tuple(sorted(ideas, key=lambda i: position_key(seed, i))))
        if rotation is not None:
            found.setdefault(rotation, seed)
    return [found[r] for r in range(len(ideas))]


def known_first_position_effect():
    """144 voters, 6 ideas, every screen one of the six rotations (24 of each). Each voter puts
    2 dots on the idea they like, chosen by taste (the same number of each idea on each screen),
    and one in four also puts a dot on the idea shown first: 36 dots owed to position alone.

    Without the extra dots, 96 of 288 dots sit in the top third (2 of 6 positions): 33.3 %.
    With them, 132 of 324: 40.7 %. Each idea has 54 dots, a third of its screens put it in the
    top third: 108 of 324 (33.3 %) if position played no part. The effect: +7.4 points.
    """
    rotations = balanced_seeds(IDEAS)
    seeds, voters, dots = [], [], {}
    voter = 0
    for rotation, seed in enumerate(rotations):
        first = IDEAS[rotation]
        for taste in range(6):
            for copy in range(4):
                voter += 1
                seeds.append(seed)
                voters.append(voter)
                liked = IDEAS[taste]
                dots[(voter, liked)] = 2
                if copy == 0:
                    dots[(voter, first)] = dots.get((voter, first), 0) + 1
    return seeds, dots, voters


def test_the_points_figure_is_the_known_first_position_effect():
    seeds, dots, voters = known_first_position_effect()
    bias = measure(IDEAS, seeds, dots, voters)
    assert bias.screen_top == 2
    assert bias.top_share == pytest.approx(132 / 324)
    assert bias.top_share_expected == pytest.approx(108 / 324)
    assert bias.top_points == pytest.approx(7.4)
    assert bias.within.significant and bias.within.rho < 0
    sentence = bias.sentence()
    assert (
        "40.7% of the dots went to the ideas shown at the top of the screen (the first 2 ideas "
        "of each voter's list of 6), against 33.3% had the order played no part: "
        "+7.4 percentage points." in sentence
    )
    assert_plain(sentence)


def test_the_points_figure_in_french(app):
    seeds, dots, voters = known_first_position_effect()
    bias = measure(IDEAS, seeds, dots, voters)
    with app.test_request_context("/?lang=fr"):
        sentence = bias.sentence()
    assert (
        "40,7\u00a0% des points sont allés aux idées affichées en haut de l’écran (les 2 "
        "premières des 6 idées de la liste de chaque votant·e), contre 33,3\u00a0% si l’ordre "
        "n’avait joué aucun rôle : +7,4\u00a0points de pourcentage." in sentence
    )
    assert_plain(sentence)


def test_no_sign_in_french(app):
    seeds = list(range(1, 61))
    bias = measure(IDEAS, seeds, {(seed, 13): 3 for seed in seeds}, seeds)
    with app.test_request_context("/?lang=fr"):
        sentence = bias.sentence()
    assert "Aucun signe que l’ordre d’affichage ait pesé sur les votes." in sentence
    assert_plain(sentence)


def test_an_idea_shown_high_by_chance_is_zero_points():
    """Idea 13, liked by all, happens to be in the top third on more screens than a third: what
    no effect would give counts that, so the gap is nil."""
    seeds = list(range(1, 61))
    bias = measure(IDEAS, seeds, {(seed, 13): 3 for seed in seeds}, seeds)
    assert bias.top_share == pytest.approx(bias.top_share_expected)
    assert bias.top_points == 0
    assert "+0.0 percentage points" in bias.sentence()


@pytest.mark.parametrize("ideas, top", [(3, 1), (4, 1), (5, 2), (6, 2), (24, 8), (25, 8)])
def test_the_top_of_the_screen_is_the_first_third_of_the_list(ideas, top):
    ids = list(range(1, ideas + 1))
    bias = measure(ids, [1, 2, 3], {(1, 1): 1, (2, 2): 1, (3, 3): 1}, [1, 2, 3])
    assert bias.screen_top == top


def test_add_order_bias_uses_the_voters_of_each_challenge(ranking_scene, cast_dots, db):
    forum, challenge, people, ideas = ranking_scene
    voters = list(people.values())
    for n, person in enumerate(voters):
        cast_dots(person, ideas[n % len(ideas)], 2)
    results = challenge_results(forum, [challenge])
    add_order_bias(results)
    bias = results[0].bias
    assert bias.voters == len(voters) and bias.ideas == len(ideas)
    assert bias.within.n == len(voters) * len(ideas)
    for person in voters:
        seen = [i.id for i in personal_order(ideas, person)]
        assert sorted(bias.mean_position) == sorted(seen)
    expected = {
        i.id: sum([x.id for x in personal_order(ideas, p)].index(i.id) + 1 for p in voters)
        / len(voters)
        for i in ideas
    }
    assert bias.mean_position == pytest.approx(expected)


# --- shown on the results page (staff) and in the JSON ----------------------------------------


@pytest.fixture
def voted(make_forum, make_participant, make_idea, cast_dots, db):
    """A closed challenge: 8 voters, 4 ideas."""
    forum = make_forum(slug="biais", challenges=1, phase="voting")
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(4)]
    for n in range(8):
        person = make_participant(forum, "association")
        cast_dots(person, ideas[n % 3], 2)
        cast_dots(person, ideas[3], 1)
    challenge.phase = "closed"
    db.session.commit()
    return forum, challenge, ideas


def test_staff_see_the_order_bias_sentence_and_mean_positions(
    client, voted, make_staff, staff_login
):
    forum, challenge, ideas = voted
    staff_login(client, make_staff("facilitator", forums=[forum]))
    page = client.get("/f/biais/results").text
    assert "Ordre d’affichage" in page
    assert "des points sont allés aux idées affichées en haut de l’écran" in page
    assert page.count("position moyenne") == 4
    assert_plain(page)


def test_participants_do_not_get_the_staff_measures(
    client, voted, make_participant, as_participant
):
    forum, *_ = voted
    as_participant(client, make_participant(forum, "association"))
    page = client.get("/f/biais/results").text
    assert "Idée 0" in page and "Ordre d’affichage" not in page


def test_the_json_gives_the_order_bias_with_n_and_each_mean_position(
    client, voted, make_staff, staff_login
):
    forum, challenge, ideas = voted
    staff_login(client, make_staff("facilitator", forums=[forum]))
    data = client.get("/f/biais/results.json").get_json()
    bias = data["challenges"][0]["order_bias"]
    assert bias["voters"] == 8 and bias["n"] == 32 and bias["ideas"] == 4
    assert bias["verdict"] in ("not_enough", "no_link", "link_not_decisive", "may_have_weighed")
    assert isinstance(bias["sentence"], str) and bias["sentence"]
    assert set(bias) >= {"spearman_rho", "p_value", "top_checked", "order_holds"}
    assert set(bias) >= {"screen_top", "top_share", "top_share_expected", "top_points"}
    assert bias["p_value"] is None or bias["p_value"] > 0
    positions = [idea["mean_position"] for idea in data["challenges"][0]["ideas"]]
    assert all(1 <= p <= 4 for p in positions)
    assert sum(positions) == pytest.approx(2.5 * 4)


# --- a room with a first-position effect: pages, cahier and JSON ------------------------------


@pytest.fixture
def first_in_room(make_forum, make_participant, make_idea, cast_dots, db):
    """A closed challenge: 30 voters, 6 ideas; each puts 1 dot on the idea they like (by taste)
    and 2 on the idea shown first on their screen."""
    forum = make_forum(slug="premier", challenges=1, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(6)]
    people = []
    for n in range(30):
        person = make_participant(forum, "association")
        first = personal_order(ideas, person)[0]
        liked = ideas[n % 6]
        if liked.id == first.id:
            cast_dots(person, first, 3)
        else:
            cast_dots(person, liked, 1)
            cast_dots(person, first, 2)
        people.append(person)
    challenge.phase = "closed"
    db.session.commit()
    return forum, challenge, ideas, people


def expected_top_figures(ideas, people, dots) -> tuple[float, float]:
    """The share of dots in the first third of each screen, and what no effect would give (each
    idea's dots spread as often as it was in the top third), computed here from scratch."""
    top = max(1, round(len(ideas) / 3))
    screens = {p.id: [i.id for i in personal_order(ideas, p)] for p in people}
    total = sum(dots.values())
    at_top = sum(d for (pid, iid), d in dots.items() if iid in screens[pid][:top])
    expected = sum(
        sum(d for (_pid, j), d in dots.items() if j == idea.id)
        * sum(idea.id in screens[p.id][:top] for p in people)
        / len(people)
        for idea in ideas
    )
    return at_top / total, expected / total


def room_dots(ideas, people) -> dict[tuple[int, int], int]:
    from sqlalchemy import select

    from cite_vote.extensions import db
    from cite_vote.votes.models import Vote

    rows = db.session.execute(select(Vote.participant_id, Vote.idea_id, Vote.dots)).all()
    return {(pid, iid): d for pid, iid, d in rows if d > 0}


def french_percent(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"


def test_the_results_page_gives_the_points_figure_of_the_room(
    client, first_in_room, make_staff, staff_login
):
    forum, _challenge, ideas, people = first_in_room
    share, expected = expected_top_figures(ideas, people, room_dots(ideas, people))
    assert share - expected > 0.2  # the effect is there
    staff_login(client, make_staff("facilitator", forums=[forum]))
    page = client.get("/f/premier/results").text
    assert f"{french_percent(share)} des points sont allés aux idées affichées" in page
    assert f"contre {french_percent(expected)} si l’ordre n’avait joué aucun rôle" in page
    assert_plain(page)
    english = client.get("/f/premier/results?lang=en").text
    assert f"{share * 100:.1f}% of the dots went to the ideas shown at the top" in english
    assert_plain(english)


def test_the_challenge_page_and_the_cahier_say_it_plainly(
    client, first_in_room, make_staff, staff_login
):
    forum, challenge, *_ = first_in_room
    staff_login(client, make_staff("organiser", owns=[forum]))
    for url in (f"/f/premier/results/c/{challenge.id}", "/f/premier/cahier"):
        page = client.get(url).text
        assert "des points sont allés aux idées affichées en haut de l’écran" in page, url
        assert_plain(page)
    cahier = client.get("/f/premier/cahier").text
    assert "L’ordre d’affichage a-t-il pesé sur les votes ?" in cahier
    assert "décidé du classement" not in cahier


def test_the_json_never_gives_a_p_value_of_zero(client, first_in_room, make_staff, staff_login):
    forum, *_ = first_in_room
    staff_login(client, make_staff("facilitator", forums=[forum]))
    response = client.get("/f/premier/results.json")
    bias = response.get_json()["challenges"][0]["order_bias"]
    assert bias["verdict"] == MAY_HAVE_WEIGHED or bias["verdict"] == LINK_NOT_DECISIVE
    assert 0 < bias["p_value"] < 0.001
    assert '"p_value": 0.0' not in response.text and '"p_value":0.0' not in response.text
    assert bias["spearman_rho"] < 0 and bias["top_points"] > 20
    assert_plain(bias["sentence"])


def test_a_p_value_below_what_a_double_holds_is_still_not_zero():
    from cite_vote.results.exports import bias_json

    seeds = list(range(1, 2001))
    bias = measure(IDEAS, seeds, {(seed, screen(seed)[0]): 3 for seed in seeds}, seeds)
    assert bias.within.p == 0.0  # erfc underflows: the figure itself is unchanged
    assert bias_json(bias)["p_value"] > 0
