"""After the day: the ranked ideas in the file Decidim imports, and the open data ZIP."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile

import pytest

# What Decidim's "Import proposals from a file" reads, from its source (decidim/decidim):
# - decidim-proposals/lib/decidim/proposals/import/proposals_verifier.rb: required_headers is
#   required_localized_headers("title") + required_localized_headers("body"), and
#   decidim-admin/lib/decidim/admin/import/verifier.rb makes those "#{name}/#{default_locale}";
# - decidim-proposals/lib/decidim/proposals/import/proposal_creator.rb: reads title and body
#   (locale_hasher: "title/<locale>", "body/<locale>"), "scope/id", "taxonomies/ids",
#   address, latitude, longitude, and drops "id";
# - decidim-admin/lib/decidim/admin/import/readers/csv.rb: CSV.read(file, col_sep: ";");
#   readers/json.rb: each object's keys are the headers (so flat "title/fr" keys);
#   readers.rb: ACCEPTED_MIME_TYPES csv, json, xlsx.
DECIDIM_REQUIRED = ["title/fr", "body/fr"]
DECIDIM_READ = {
    "title/fr",
    "body/fr",
    "scope/id",
    "taxonomies/ids",
    "address",
    "latitude",
    "longitude",
    "id",
}
EXPECTED_COLUMNS = ["title/fr", "body/fr"]


@pytest.fixture
def forum(every_category_shown, make_forum, make_participant, make_idea, cast_dots, db):
    from cite_vote.votes.phases import set_phase

    forum = make_forum(slug="apres", challenges=2, phase="voting", dot_budget=6)
    first, second = forum.challenges
    people = [make_participant(forum, c) for c in ("chercheur·e", "association", "citoyen·ne")]
    ideas = [
        make_idea(first, title="Atelier mobile", description="Un camion-atelier"),
        make_idea(first, title="Bibliothèque partagée"),
        make_idea(second, title="Forum annuel"),
    ]
    make_idea(first, title="Idée masquée", status="hidden")
    cast_dots(people[0], ideas[1], 3)
    cast_dots(people[1], ideas[1], 1)
    cast_dots(people[2], ideas[0], 2)
    cast_dots(people[2], ideas[2], 1)
    set_phase(forum, "closed")
    db.session.commit()
    return forum


@pytest.fixture
def organiser(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("organiser", owns=[forum]))
    return client


def test_the_decidim_csv_has_exactly_the_columns_decidims_importer_reads(organiser):
    response = organiser.get("/f/apres/decidim-proposals.csv")
    assert response.status_code == 200
    assert not response.data.startswith(b"\xef\xbb\xbf")  # Ruby's CSV would read it in title/fr
    rows = list(csv.reader(io.StringIO(response.data.decode(), newline=""), delimiter=";"))
    header = rows[0]
    assert header == EXPECTED_COLUMNS
    for column in DECIDIM_REQUIRED:
        assert column in header
    assert set(header) <= DECIDIM_READ
    assert len(header) == len(set(header))  # the verifier refuses duplicate headers
    assert [r[0] for r in rows[1:]] == ["Bibliothèque partagée", "Atelier mobile", "Forum annuel"]
    assert all(len(r) == len(header) for r in rows)


def test_the_body_keeps_the_rank_the_dots_and_the_categories(organiser):
    rows = list(
        csv.DictReader(
            io.StringIO(organiser.get("/f/apres/decidim-proposals.csv").data.decode()),
            delimiter=";",
        )
    )
    first, second = rows[0]["body/fr"], rows[1]["body/fr"]
    assert "rang 1 sur 2" in first
    assert "4 points" in first
    assert "chercheur·e 3" in first and "association 1" in first
    assert second.startswith("Un camion-atelier")
    assert "Idée masquée" not in "".join(r["title/fr"] for r in rows)


def test_the_body_names_the_groups_merged_as_other_and_counts_people_right(
    client, make_forum, make_participant, make_idea, cast_dots, make_staff, staff_login, db
):
    """Small categories are merged into "other": the body names them (it listed the letters of
    their names), and one supporter is no "participants"."""
    from cite_vote.votes.phases import set_phase

    forum = make_forum(slug="petit", challenges=1, phase="voting", dot_budget=6)
    idea = make_idea(forum.challenges[0], title="Un jardin partagé")
    cast_dots(make_participant(forum, "association"), idea, 2)
    set_phase(forum, "closed")
    db.session.commit()
    staff_login(client, make_staff("organiser", owns=[forum]))
    response = client.get("/f/petit/decidim-proposals.csv")
    [row] = list(csv.DictReader(io.StringIO(response.data.decode(), newline=""), delimiter=";"))
    body = row["body/fr"]
    assert "« Autres » regroupe : association." in body, body
    assert "2 points de 1 participant·e." in body, body


def test_the_decidim_json_is_flat_with_the_same_columns(organiser):
    data = json.loads(organiser.get("/f/apres/decidim-proposals.json").data)
    assert [list(item) for item in data] == [EXPECTED_COLUMNS] * 3


def test_the_decidim_file_follows_the_platforms_language(organiser):
    response = organiser.get("/f/apres/decidim-proposals.csv?locale=ca")
    assert response.data.decode().splitlines()[0] == "title/ca;body/ca"
    assert organiser.get("/f/apres/decidim-proposals.csv?locale=xx").status_code == 400


def test_only_organisers_download_the_handoff(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("facilitator", forums=[forum]))
    assert client.get("/f/apres/decidim-proposals.csv").status_code == 403
    assert client.get("/f/apres/open-data.zip").status_code == 403


def test_our_decidim_file_imports_back_into_a_challenge(organiser, make_forum, make_staff, forum):
    """The hand-off read by our own import: each row a new idea (Decidim's columns)."""
    data = organiser.get("/f/apres/decidim-proposals.csv").data
    target = make_forum(slug="suite", challenges=1)
    make_staff("organiser", owns=[target])
    from cite_vote.extensions import db

    target.owner_id = forum.owner_id
    db.session.commit()
    url = f"/staff/f/suite/c/{target.challenges[0].id}/import"
    response = organiser.post(
        url, data={"file": (io.BytesIO(data), "decidim.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.text
    assert response.text.count('class="fate-new"') == 3


def open_data(client, licence="odbl-1.0"):
    response = client.get(f"/f/apres/open-data.zip?licence={licence}")
    assert response.status_code == 200, response.text[:500]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_open_data_zip_unpacks_into_files_anyone_may_read(organiser):
    """Without a mode in the archive, unzip made every file readable by its owner alone
    (0600): a web server could not publish them."""
    for info in open_data(organiser).infolist():
        assert (info.external_attr >> 16) & 0o777 == 0o644, info.filename


def test_the_open_data_zip_holds_every_public_file_and_a_french_readme(organiser):
    archive = open_data(organiser)
    names = sorted(n.split("/", 1)[1] for n in archive.namelist())
    assert names == sorted(
        [
            "LISEZMOI.txt",
            "results.csv",
            "results.json",
            "log.json",
            "log.csv",
            "recount.py",
            "cahier.pdf",
            "decidim-proposals.csv",
        ]
    )
    folder = archive.namelist()[0].split("/")[0]
    readme = archive.read(f"{folder}/LISEZMOI.txt").decode()
    assert "Open Database License (ODbL) 1.0" in readme
    assert "Licence" in readme and "Données ouvertes" in readme
    for name in names[1:]:
        assert f"- {name} :" in readme or name == "LISEZMOI.txt"
    assert archive.read(f"{folder}/cahier.pdf").startswith(b"%PDF")
    results = archive.read(f"{folder}/results.csv").decode("utf-8-sig")
    assert "Bibliothèque partagée" in results and "Idée masquée" not in results
    public = json.loads(archive.read(f"{folder}/results.json"))
    assert "unranked_ideas" not in public["challenges"][0]


def test_the_recount_script_of_the_zip_recounts_its_log(organiser, tmp_path):
    archive = open_data(organiser, "etalab-2.0")
    archive.extractall(tmp_path / "zip")
    folder = tmp_path / "zip" / "apres-donnees-ouvertes"
    done = subprocess.run(
        [sys.executable, "recount.py", "log.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_open_data_before_a_challenge_closes(client, make_forum, make_staff, staff_login):
    forum = make_forum(slug="pas-encore", phase="voting")
    staff_login(client, make_staff("organiser", owns=[forum]))
    response = client.get("/f/pas-encore/open-data.zip")
    assert response.status_code == 409
    assert client.get("/f/pas-encore/open-data.zip?licence=mine").status_code == 400


def test_the_open_data_page_offers_the_licences_without_javascript(organiser):
    html = organiser.get("/f/apres/open-data").text
    assert 'method="get"' in html and 'name="licence"' in html
    assert "Licence Ouverte / Open Licence 2.0 (Etalab)" in html
    assert "/f/apres/open-data" in organiser.get("/f/apres/results").text
