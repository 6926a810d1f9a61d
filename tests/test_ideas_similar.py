"""Similar ideas: French titles compared without accents, case, small words or plurals."""

import pytest

from cite_vote.ideas.similar import THRESHOLD, duplicate_pairs, fold, score, similar_ideas


def test_fold_drops_accents_case_stop_words_and_plurals():
    assert fold("Créer un tiers-lieu pour les Jeunes") == "creer tier lieu jeune"
    assert fold("Des lieux éducatifs") == "lieu educatif"


@pytest.mark.parametrize(
    "a,b",
    [
        ("Créer un tiers-lieu pour les jeunes", "tiers lieux jeunes : en créer un"),
        ("Un observatoire des métiers", "Observatoire des nouveaux métiers"),
        ("Des jardins partagés", "Jardin partagé au centre-ville"),
        ("Former les enseignants au numérique", "Formation numérique des enseignants"),
        ("ÉCOLE OUVERTE LE SOIR", "une école ouverte le soir"),
    ],
)
def test_alike_titles_match(a, b):
    assert score(a, b) >= THRESHOLD


@pytest.mark.parametrize(
    "a,b",
    [
        ("Un observatoire des métiers", "Des binômes chercheur·e – entreprise"),
        ("Bus gratuit", "Vélos en libre service"),
        ("Un tiers-lieu ouvert le soir", "Créer un tiers-lieu pour les jeunes"),
        ("Apprentissage en entreprise", "Apprentissage des langues"),
        ("jeunes", "Créer un tiers-lieu pour les jeunes"),
        ("le la les", "Créer un tiers-lieu pour les jeunes"),
    ],
)
def test_different_titles_do_not_match(a, b):
    assert score(a, b) < THRESHOLD


def test_similar_ideas_of_the_same_challenge_only_and_visible(make_forum, make_idea):
    forum = make_forum()
    here, elsewhere = forum.challenges
    match = make_idea(here, title="Créer un tiers-lieu pour les jeunes")
    make_idea(here, title="Un tiers-lieu pour les jeunes", status="hidden")
    make_idea(here, title="Bus gratuit le dimanche")
    make_idea(elsewhere, title="Créer un tiers-lieu pour les jeunes")
    assert similar_ideas(here, "tiers lieux jeunes : en créer un") == [match]
    assert similar_ideas(here, "ab") == []


def test_duplicate_pairs_within_each_challenge(make_forum, make_idea):
    forum = make_forum()
    here, elsewhere = forum.challenges
    older = make_idea(here, title="Créer un tiers-lieu pour les jeunes")
    newer = make_idea(here, title="tiers lieux jeunes : en créer un", status="pending")
    make_idea(here, title="Bus gratuit")
    make_idea(elsewhere, title="Créer un tiers-lieu pour les jeunes")
    pairs = duplicate_pairs(forum)
    assert [(p.older.id, p.newer.id) for p in pairs] == [(older.id, newer.id)]
