"""The demo forum: the six challenges of the 2018 regional forum (see shared/seed).

Above the domains: it makes a forum, its challenges, the ideas' authors and their ideas.
"""

from __future__ import annotations

from sqlalchemy import select

from cite_vote.accounts.services import new_participant
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea

DEMO_SLUG = "cite-2018"

CATEGORIES = [
    "chercheur·e",
    "entrepreneur·e",
    "association",
    "enseignant·e / formation",
    "citoyen·ne",
    "collectivité / institution",
]

CHALLENGES = [
    (
        "La tête chercheuse",
        "Comment pourrions-nous nous donner les moyens d’anticiper les impacts des "
        "transformations en cours ?",
        [
            (
                "Un observatoire régional des métiers émergents",
                "Croiser chaque trimestre les offres d’emploi, les brevets et les travaux des "
                "laboratoires pour repérer les métiers qui arrivent.",
                0,
            ),
            ("Des binômes chercheur·e – entreprise", "", 1),
        ],
    ),
    (
        "Le crash test des innovations pédagogiques",
        "Comment pourrions-nous faire évoluer les formations, les pédagogies, le partage des "
        "connaissances, pour améliorer nos capacités d’adaptation aux transformations en cours ?",
        [
            (
                "Une salle d’essai pour tester de nouvelles pédagogies",
                "Des enseignant·es, des apprenant·es et des entreprises testent ensemble un format "
                "pendant une semaine, puis partagent le bilan.",
                3,
            ),
            ("Des modules courts ouverts à tous le soir", "", 4),
        ],
    ),
    (
        "L’accélérateur d’entrepreneuriat",
        "Comment pourrions-nous inclure et accompagner les petites entreprises ?",
        [
            (
                "Un guichet unique pour les TPE",
                "Une seule porte d’entrée pour les aides, la formation et le recrutement.",
                1,
            ),
            ("Du mentorat entre dirigeant·es de petites entreprises", "", 2),
        ],
    ),
    (
        "L’exploratoire des métiers",
        "Comment pourrions-nous inclure et accompagner les citoyens ?",
        [
            ("Des journées « vis ma vie » dans les métiers de demain", "", 4),
            (
                "Un lieu d’orientation ouvert le samedi",
                "Pour les personnes en reconversion qui travaillent en semaine.",
                2,
            ),
        ],
    ),
    (
        "La cité connectée",
        "Comment pourrions-nous connecter la Cité au territoire régional et international ?",
        [
            ("Des antennes de la Cité dans chaque département", "", 5),
            ("Un programme d’échanges avec des cités partenaires en Europe", "", 0),
        ],
    ),
    (
        "La vigie collective",
        "Comment pourrions-nous réussir ce projet collectivement ?",
        [
            (
                "Un comité d’usagers qui se réunit tous les trimestres",
                "Ouvert aux partenaires du forum, avec un compte rendu public.",
                2,
            ),
            ("Publier les décisions et leur avancement en ligne", "", 4),
        ],
    ),
]

DESCRIPTION = (
    "La Région imagine la future Cité de l’économie et des métiers de demain pour anticiper "
    "les impacts économiques, sociaux et environnementaux des mutations en cours. "
    "Près de 200 partenaires réfléchissent ensemble à six défis ; les idées retenues "
    "forment le cahier d’idées."
)


def ensure_demo_forum() -> tuple[Forum, bool]:
    """Create the demo forum if it is missing. Returns the forum and whether it was created."""
    forum = db.session.scalar(select(Forum).where(Forum.slug == DEMO_SLUG))
    if forum is not None:
        return forum, False
    forum = create_forum(
        slug=DEMO_SLUG,
        title="La Cité de l’économie et des métiers de demain",
        description=DESCRIPTION,
        categories=CATEGORIES,
        dot_budget=5,
        dot_cap=3,
    )
    # The ideas' authors: participants without a phone, so not counted as people in the room.
    authors = [new_participant(forum, category=category) for category in CATEGORIES]
    for title, question, ideas in CHALLENGES:
        challenge = add_challenge(forum, title=title, question=question, phase="proposing")
        for idea_title, idea_text, author in ideas:
            db.session.add(
                Idea(
                    challenge_id=challenge.id,
                    author_id=authors[author].id,
                    author_category=authors[author].category,
                    title=idea_title,
                    description=idea_text,
                )
            )
    db.session.flush()
    return forum, True
