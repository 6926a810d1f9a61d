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
    assert "did not decide the ranking" in bias.sentence()
    assert "n = 360" in bias.sentence()
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
    assert "near the top of" in bias.sentence() and "did not decide" in bias.sentence()


def test_too_few_voters_say_so():
    bias = measure(IDEAS, [1, 2], {(1, 11): 1, (2, 12): 2}, [1, 2])
    assert bias.verdict == NOT_ENOUGH and "Too few votes" in bias.sentence()


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
    assert "n = 32" in page  # 8 voters × 4 ideas
    assert page.count("position moyenne") == 4


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
    positions = [idea["mean_position"] for idea in data["challenges"][0]["ideas"]]
    assert all(1 <= p <= 4 for p in positions)
    assert sum(positions) == pytest.approx(2.5 * 4)
