"""Staff passwords never cross the room's Wi-Fi in clear (issue 19, finding 5).

``make run HOST=0.0.0.0`` serves plain HTTP: a capture during one login held the password and
the session cookie. Staff now log in on the laptop itself (loopback), through HTTPS, or over
plain HTTP from another machine only when the organiser set CITE_VOTE_STAFF_OVER_PLAIN_HTTP.
Participants keep plain HTTP.
"""

from __future__ import annotations

import pytest

from tests.helpers import STAFF_PASSWORD

PHONE = {"REMOTE_ADDR": "192.168.1.23"}  # another machine on the room's network


def log_in(client, user, **kwargs):
    return client.post(
        "/staff/login", data={"email": user.email, "password": STAFF_PASSWORD}, **kwargs
    )


def test_a_staff_login_from_another_machine_over_plain_http_is_refused(client, make_staff):
    user = make_staff("organiser")
    page = client.get("/staff/login", environ_base=PHONE)
    assert page.status_code == 403
    assert "non chiffrée" in page.text and "CITE_VOTE_STAFF_OVER_PLAIN_HTTP" in page.text
    english = client.get("/staff/login?lang=en", environ_base=PHONE)
    assert english.status_code == 403 and "not encrypted (plain HTTP)" in english.text
    assert 'name="password"' not in page.text  # refused before a password is typed
    assert "http://localhost:80/staff/login" in page.text  # where to log in instead

    posted = log_in(client, user, environ_base=PHONE)
    assert posted.status_code == 403
    assert client.get("/staff/", environ_base=PHONE).status_code == 303  # not logged in


def test_the_refusal_with_htmx_is_the_form_block_alone(client, make_staff):
    user = make_staff("organiser")
    posted = log_in(client, user, environ_base=PHONE, headers={"HX-Request": "true"})
    assert posted.status_code == 403
    assert "<html" not in posted.text and 'id="login-form"' in posted.text


def test_staff_log_in_on_the_laptop_itself(client, make_staff):
    user = make_staff("organiser")
    assert client.get("/staff/login").status_code == 200  # the test client is 127.0.0.1
    assert log_in(client, user).status_code == 303


def test_staff_log_in_from_another_machine_over_https(client, make_staff):
    user = make_staff("organiser")
    https = {"environ_base": PHONE, "base_url": "https://cite.test"}
    assert client.get("/staff/login", **https).status_code == 200
    assert log_in(client, user, **https).status_code == 303


@pytest.mark.parametrize("app_config", [{"PROXY_COUNT": 1}])
def test_behind_a_proxy_the_forwarded_scheme_counts(client, make_staff, app_config):
    user = make_staff("organiser")
    headers = {"X-Forwarded-For": "192.168.1.23", "X-Forwarded-Proto": "https"}
    assert log_in(client, user, headers=headers).status_code == 303
    plain = {"X-Forwarded-For": "192.168.1.23", "X-Forwarded-Proto": "http"}
    assert client.get("/staff/login", headers=plain).status_code == 403


@pytest.mark.parametrize("app_config", [{"STAFF_OVER_PLAIN_HTTP": True}])
def test_the_organiser_can_allow_plain_http_knowingly(client, make_staff, app_config):
    user = make_staff("organiser")
    assert log_in(client, user, environ_base=PHONE).status_code == 303


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    from cite_vote.config import from_environment

    monkeypatch.delenv("CITE_VOTE_STAFF_OVER_PLAIN_HTTP", raising=False)
    assert from_environment(str(tmp_path))["STAFF_OVER_PLAIN_HTTP"] is False
    monkeypatch.setenv("CITE_VOTE_STAFF_OVER_PLAIN_HTTP", "1")
    assert from_environment(str(tmp_path))["STAFF_OVER_PLAIN_HTTP"] is True


def test_participants_keep_plain_http(client, make_forum):
    forum = make_forum(join_code="CLAIR7")
    assert client.get("/", environ_base=PHONE).status_code == 200
    joined = client.post("/j/CLAIR7", data={"display_name": "", "category": ""}, environ_base=PHONE)
    assert joined.status_code == 303, joined.text
    assert client.get(f"/f/{forum.slug}", environ_base=PHONE).status_code == 200
