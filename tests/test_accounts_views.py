import pytest
from sqlalchemy import select

from cite_vote.accounts.models import StaffUser
from cite_vote.accounts.services import authenticate, can_access
from tests.helpers import STAFF_PASSWORD


def test_passwords_are_hashed(make_staff, db):
    user = make_staff()
    assert STAFF_PASSWORD not in user.password_hash
    assert authenticate(user.email.upper(), STAFF_PASSWORD) == user
    assert authenticate(user.email, "wrong password") is None
    assert authenticate("nobody@example.org", STAFF_PASSWORD) is None


def test_login_then_home_lists_only_own_forums(client, make_staff, make_forum, staff_login):
    mine, assigned, _other = (
        make_forum(title="Mien"),
        make_forum(title="Assigné"),
        make_forum(title="Autre"),
    )
    user = make_staff("organiser", forums=[assigned], owns=[mine])
    staff_login(client, user)
    page = client.get("/staff/").text
    assert "Mien" in page and "Assigné" in page and "Autre" not in page


def test_wrong_password_is_422_with_a_message(client, make_staff):
    user = make_staff()
    page = client.post("/staff/login", data={"email": user.email, "password": "nope nope nope"})
    assert page.status_code == 422 and "Identifiant ou mot de passe incorrect" in page.text


def test_staff_home_sends_anonymous_to_login(client):
    response = client.get("/staff/")
    assert response.status_code == 303 and "/staff/login" in response.location


def test_login_does_not_redirect_elsewhere(client, make_staff):
    user = make_staff()
    response = client.post(
        "/staff/login?next=//evil.example/x",
        data={"email": user.email, "password": STAFF_PASSWORD},
    )
    assert response.status_code == 303 and "evil" not in response.location


def test_logout_ends_the_staff_session(client, make_staff, staff_login):
    staff_login(client, make_staff())
    assert client.post("/staff/logout").status_code == 303
    assert client.get("/staff/").status_code == 303


def test_staff_session_expires(app, client, make_staff, staff_login):
    staff_login(client, make_staff())
    with client.session_transaction() as session:
        session["staff_since"] = "2000-01-01T00:00:00"
    assert client.get("/staff/").status_code == 303


@pytest.mark.parametrize(
    "role, relation, allowed",
    [
        ("organiser", "owns", True),
        ("organiser", "assigned", True),
        ("organiser", "none", False),
        ("facilitator", "assigned", True),
        ("facilitator", "none", False),
    ],
)
def test_forum_access_by_role_and_relation(make_forum, make_staff, role, relation, allowed):
    forum = make_forum()
    kwargs = {"owns": [forum]} if relation == "owns" else {}
    if relation == "assigned":
        kwargs = {"forums": [forum]}
    user = make_staff(role, **kwargs)
    assert can_access(user, forum) is allowed


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_login_is_throttled(client, make_staff, app_config):
    user = make_staff()
    statuses = [
        client.post(
            "/staff/login", data={"email": user.email, "password": "bad password!"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [422] * 10 and statuses[-1] == 429


def test_create_user_command_prints_a_generated_password_once(runner, db):
    result = runner.invoke(args=["create-user", "Anne@Example.org", "--role", "facilitator"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    user = db.session.scalar(select(StaffUser))
    assert user.email == "anne@example.org" and user.role == "facilitator"
    assert authenticate("anne@example.org", password) is not None
    again = runner.invoke(args=["create-user", "anne@example.org", "--role", "organiser"])
    assert again.exit_code != 0


HOSTILE_NEXT = [
    "/%5Cevil.example",  # /\evil.example: browsers read a backslash as a slash
    "/%5C%5Cevil.example",
    "%5C%5Cevil.example",
    "/%09/evil.example",  # a tab that browsers strip: //evil.example
    "/%0A/evil.example",
    "/%0D/evil.example",
    "/%20/evil.example",
    "%20//evil.example",
    "https://evil.example",
    "//evil.example",
    "/%2F/evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_plain_login_never_redirects_off_site(client, make_staff, target):
    user = make_staff()
    response = client.post(
        f"/staff/login?next={target}", data={"email": user.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 303
    assert response.location == "/staff/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_htmx_login_never_redirects_off_site(htmx_client, make_staff, target):
    user = make_staff()
    response = htmx_client.post(
        f"/staff/login?next={target}", data={"email": user.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/staff/"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_next_address_with_a_nul_byte_is_a_400_without_a_login(client, make_staff, htmx):
    user = make_staff()
    response = client.post(
        "/staff/login?next=/%00/evil.example",
        data={"email": user.email, "password": STAFF_PASSWORD},
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert response.status_code == 400
    assert "Location" not in response.headers and "HX-Redirect" not in response.headers
    after = client.get("/staff/")
    assert after.status_code == 303 and "/staff/login" in after.location  # still logged out


# Header values must stay valid: a target that is not a plain ASCII path on this site is
# refused (the home page instead), whatever the browser would make of it.
NON_PLAIN_NEXT = [
    "/%EF%BC%8E/x",  # a full-width dot, U+FF0E
    "/caf%C3%A9",  # non-ASCII
    "/%E2%80%AE/x",  # a right-to-left override
    "/x%7F",  # DEL
    "/x%C2%85y",  # a C1 control (next line)
]


@pytest.mark.parametrize("target", NON_PLAIN_NEXT)
def test_plain_login_with_a_non_ascii_next_goes_home(client, make_staff, target):
    user = make_staff()
    response = client.post(
        f"/staff/login?next={target}", data={"email": user.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 303
    assert response.location in ("/staff/", "http://cite.test/staff/")


@pytest.mark.parametrize("target", NON_PLAIN_NEXT)
def test_htmx_login_with_a_non_ascii_next_goes_home(htmx_client, make_staff, target):
    user = make_staff()
    response = htmx_client.post(
        f"/staff/login?next={target}", data={"email": user.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/staff/"


@pytest.mark.parametrize(
    "url, header",
    [
        ("/f/caf\u00e9/results", "/f/caf%C3%A9/results"),
        ("/f/x/\uff0e/y?q=\u00e9t\u00e9#top", "/f/x/%EF%BC%8E/y?q=%C3%A9t%C3%A9#top"),
        ("/f/x\r\nSet-Cookie: a=b", "/f/x%0D%0ASet-Cookie:%20a=b"),
        ("/staff/f/mon-forum/team?a=1&b=%2F", "/staff/f/mon-forum/team?a=1&b=%2F"),
    ],
)
def test_the_htmx_redirect_header_is_always_a_valid_header(app, url, header):
    """Whatever a caller hands it, ``done`` percent-encodes what a header cannot carry."""
    from cite_vote.htmx import done

    with app.test_request_context("/", headers={"HX-Request": "true"}):
        response = done(url)
    assert response.headers["HX-Redirect"] == header
    assert response.headers["HX-Redirect"].isascii()


def test_login_keeps_a_local_next_with_its_query(client, make_staff, make_forum):
    user = make_staff(owns=[make_forum(slug="mon-forum")])
    response = client.post(
        "/staff/login?next=/staff/f/mon-forum/team%3Fa%3D1",
        data={"email": user.email, "password": STAFF_PASSWORD},
    )
    assert response.status_code == 303
    assert response.location == "/staff/f/mon-forum/team?a=1"


# --- a staff session ends everywhere at once ---------------------------------------------------


def copy_of_session(app, client):
    """A second browser holding the same session cookie, as a thief who copied it would."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name, domain="cite.test").value, domain="cite.test")
    return thief


@pytest.fixture
def facilitator_on_forum(make_forum, make_staff):
    forum = make_forum()
    return forum, make_staff("facilitator", forums=[forum])


def test_a_copied_cookie_opens_the_control_page_before_logout(
    app, client, facilitator_on_forum, staff_login
):
    forum, user = facilitator_on_forum
    staff_login(client, user)
    assert copy_of_session(app, client).get(f"/staff/f/{forum.slug}").status_code == 200


def test_logout_ends_a_copied_session_cookie(app, client, facilitator_on_forum, staff_login):
    forum, user = facilitator_on_forum
    staff_login(client, user)
    thief = copy_of_session(app, client)
    client.post("/staff/logout")
    assert thief.get(f"/staff/f/{forum.slug}").status_code == 303
    assert thief.get("/staff/").status_code == 303


def test_logout_ends_the_other_sessions_of_the_account(app, facilitator_on_forum, staff_login):
    forum, user = facilitator_on_forum
    laptop, projector = app.test_client(), app.test_client()
    staff_login(laptop, user)
    staff_login(projector, user)
    laptop.post("/staff/logout")
    assert projector.get("/staff/").status_code == 303


def test_logging_in_elsewhere_keeps_the_first_session(app, facilitator_on_forum, staff_login):
    _forum, user = facilitator_on_forum
    laptop, projector = app.test_client(), app.test_client()
    staff_login(laptop, user)
    staff_login(projector, user)
    assert laptop.get("/staff/").status_code == 200


def test_removal_from_the_team_ends_the_members_sessions(
    app, client, db, make_forum, make_staff, facilitator_on_forum, staff_login
):
    forum, member = facilitator_on_forum
    other = make_forum()
    from cite_vote.accounts.services import assign_staff

    assign_staff(other, member)
    db.session.commit()
    owner = make_staff("organiser", owns=[forum])
    staff_login(client, member)
    organiser = staff_login(app.test_client(), owner)
    response = organiser.post(f"/staff/f/{forum.slug}/team/{member.id}/remove")
    assert response.status_code == 303
    assert client.get(f"/staff/f/{forum.slug}").status_code == 303
    assert client.get(f"/staff/f/{other.slug}").status_code == 303


@pytest.mark.parametrize(
    "change",
    [
        lambda user: setattr(user, "role", "organiser"),
        lambda user: setattr(user, "is_active", False),
        lambda user: setattr(user, "password_hash", "changed"),
    ],
    ids=["role", "deactivated", "password"],
)
def test_a_change_of_role_activity_or_password_ends_every_session(
    app, client, db, facilitator_on_forum, staff_login, change
):
    forum, user = facilitator_on_forum
    staff_login(client, user)
    change(db.session.get(StaffUser, user.id))
    db.session.commit()
    assert client.get("/staff/").status_code == 303


def test_a_session_from_before_session_versions_is_ended(client, facilitator_on_forum, staff_login):
    _forum, user = facilitator_on_forum
    staff_login(client, user)
    with client.session_transaction() as session:
        session.pop("staff_version", None)
    assert client.get("/staff/").status_code == 303


# --- login throttling: brute force is slowed, nobody locks anyone else out ---------------------

throttled = pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])


def login_from(client, address: str, email: str, password: str) -> int:
    # Over HTTPS: from another machine over plain HTTP, staff logins are refused outright
    # (tests/test_staff_in_clear.py).
    return client.post(
        "/staff/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        base_url="https://cite.test",
    ).status_code


@throttled
def test_wrong_logins_against_one_account_do_not_lock_another_out_of_the_room(
    client, make_staff, app_config
):
    target, facilitator = make_staff(), make_staff("facilitator")
    for _ in range(120):
        login_from(client, "10.0.0.1", target.email, "wrong password")
    assert login_from(client, "10.0.0.1", facilitator.email, STAFF_PASSWORD) == 303


@throttled
def test_brute_force_on_one_account_from_one_address_is_throttled(client, make_staff, app_config):
    target = make_staff()
    statuses = [login_from(client, "10.0.0.1", target.email, "wrong password") for _ in range(12)]
    assert statuses[:10] == [422] * 10 and statuses[-1] == 429
    assert login_from(client, "10.0.0.1", target.email, STAFF_PASSWORD) == 429


@throttled
def test_brute_force_on_one_account_from_many_addresses_is_throttled(
    client, make_staff, app_config
):
    target = make_staff()
    statuses = [
        login_from(client, f"10.0.{n}.1", target.email, "wrong password") for n in range(35)
    ]
    assert statuses[:30] == [422] * 30 and statuses[-1] == 429


@throttled
def test_the_owner_of_an_attacked_account_still_logs_in_from_another_address(
    client, make_staff, app_config
):
    target = make_staff()
    for _ in range(12):
        login_from(client, "10.0.0.1", target.email, "wrong password")
    assert login_from(client, "10.9.9.9", target.email, STAFF_PASSWORD) == 303


@throttled
def test_a_password_spray_from_one_address_is_throttled(client, make_staff, app_config):
    statuses = [
        login_from(client, "10.0.0.1", f"person{n}@example.org", "Summer2026!") for n in range(110)
    ]
    assert statuses[:100] == [422] * 100 and statuses[-1] == 429


@throttled
def test_correct_logins_from_one_address_are_not_counted_as_failures(
    client, make_staff, app_config
):
    people = [make_staff("facilitator") for _ in range(4)]
    statuses = [
        login_from(client, "10.0.0.1", person.email, STAFF_PASSWORD)
        for _ in range(9)
        for person in people
    ]
    assert statuses == [303] * 36


# Someone else's wrong guesses must not keep an organiser out of their own account: a browser
# that has logged in to the account before (a signed "known browser" cookie) has a budget of its
# own, wherever it is, and is not counted in the account's or the address's wrong guesses. A
# browser the account does not know still meets every limit above.


def known_browser(app, user, address="10.7.7.7"):
    """A browser that logged in to ``user``'s account once, then logged out."""
    browser = app.test_client()
    assert login_from(browser, address, user.email, STAFF_PASSWORD) == 303
    assert browser.post("/staff/logout").status_code == 303
    return browser


@throttled
def test_wrong_passwords_from_three_addresses_do_not_lock_the_owner_out(
    app, client, make_staff, app_config
):
    owner = make_staff("organiser")
    laptop = known_browser(app, owner)
    for n in range(3):
        statuses = [
            login_from(client, f"10.0.{n}.1", owner.email, "wrong guess") for _ in range(12)
        ]
        assert statuses[:10] == [422] * 10 and statuses[-1] == 429
    # The account has had its 30 wrong passwords of the minute: a stranger's browser is refused,
    # right password or not, from a fourth address...
    assert login_from(app.test_client(), "10.0.4.1", owner.email, STAFF_PASSWORD) == 429
    # ...but the owner's laptop logs in, from a fourth address or from one of the attacker's.
    assert login_from(laptop, "10.0.4.1", owner.email, STAFF_PASSWORD) == 303
    laptop.post("/staff/logout")
    assert login_from(laptop, "10.0.0.1", owner.email, STAFF_PASSWORD) == 303


@throttled
def test_a_password_spray_from_the_room_does_not_lock_out_a_known_browser(
    app, client, make_staff, app_config
):
    owner = make_staff("organiser")
    laptop = known_browser(app, owner, address="10.0.0.1")
    for n in range(110):
        login_from(client, "10.0.0.1", f"person{n}@example.org", "Summer2026!")
    assert login_from(client, "10.0.0.1", owner.email, STAFF_PASSWORD) == 429
    assert login_from(laptop, "10.0.0.1", owner.email, STAFF_PASSWORD) == 303


@throttled
def test_a_known_browser_guessing_is_still_throttled(app, make_staff, app_config):
    owner = make_staff("organiser")
    stolen = known_browser(app, owner)
    statuses = [login_from(stolen, f"10.1.{n}.1", owner.email, "wrong guess") for n in range(12)]
    assert statuses[:10] == [422] * 10 and statuses[-1] == 429
    assert login_from(stolen, "10.2.0.1", owner.email, STAFF_PASSWORD) == 429


@throttled
def test_a_browser_known_to_one_account_is_a_stranger_to_another(app, make_staff, app_config):
    mine, theirs = make_staff("facilitator"), make_staff("organiser")
    browser = known_browser(app, mine)
    statuses = [login_from(browser, f"10.3.{n}.1", theirs.email, "wrong guess") for n in range(32)]
    assert statuses[:30] == [422] * 30 and statuses[-1] == 429


@throttled
def test_a_forged_known_browser_cookie_counts_for_nothing(app, client, make_staff, app_config):
    owner = make_staff("organiser")
    laptop = known_browser(app, owner)
    cookie = laptop.get_cookie("cite_vote_known", domain="cite.test", path="/staff")
    assert cookie is not None
    forged = app.test_client()
    forged.set_cookie(
        "cite_vote_known", cookie.value[:-2] + "xx", domain="cite.test", path="/staff"
    )
    for n in range(3):
        for _ in range(10):
            login_from(client, f"10.0.{n}.1", owner.email, "wrong guess")
    assert login_from(forged, "10.0.4.1", owner.email, STAFF_PASSWORD) == 429


# --- changing one's own password ---------------------------------------------------------------

NEW_PASSWORD = "a new long passphrase"


def change_password(client, current=STAFF_PASSWORD, new=NEW_PASSWORD, confirm=None, **kwargs):
    return client.post(
        "/staff/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
        **kwargs,
    )


HTMX = {"headers": {"HX-Request": "true"}}


def test_change_password_page_needs_a_login(client):
    response = client.get("/staff/password")
    assert response.status_code == 303 and "/staff/login" in response.location


def test_change_password_page_is_linked_from_the_staff_home(client, make_staff, staff_login):
    staff_login(client, make_staff("facilitator"))
    assert 'href="/staff/password"' in client.get("/staff/").text
    page = client.get("/staff/password")
    assert page.status_code == 200 and "<html" in page.text
    assert 'autocomplete="current-password"' in page.text
    assert 'autocomplete="new-password"' in page.text


def test_change_password_sets_the_new_one(client, db, make_staff, staff_login):
    user = make_staff("facilitator")
    staff_login(client, user)
    response = change_password(client)
    assert response.status_code == 303 and response.location == "/staff/"
    db.session.expire_all()
    assert authenticate(user.email, NEW_PASSWORD) is not None
    assert authenticate(user.email, STAFF_PASSWORD) is None


def test_change_password_keeps_this_session_and_ends_the_others(
    app, client, make_staff, staff_login
):
    user = make_staff("facilitator")
    staff_login(client, user)
    other_device = staff_login(app.test_client(), user)
    thief = copy_of_session(app, client)
    assert change_password(client).status_code == 303
    assert client.get("/staff/").status_code == 200
    assert other_device.get("/staff/").status_code == 303
    assert thief.get("/staff/").status_code == 303


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"current": "not my password"}, "Le mot de passe actuel est incorrect"),
        ({"new": "short", "confirm": "short"}, "au moins 10 caractères"),
        ({"confirm": "something else entirely"}, "ne sont pas identiques"),
        ({"new": "", "confirm": ""}, "Saisissez le nouveau mot de passe"),
    ],
    ids=["wrong current", "too short", "mismatch", "empty"],
)
def test_a_refused_password_change_is_422_and_changes_nothing(
    app, client, make_staff, staff_login, fields, message
):
    user = make_staff("facilitator")
    staff_login(client, user)
    other_device = staff_login(app.test_client(), user)
    response = change_password(client, **fields)
    assert response.status_code == 422 and message in response.text
    assert authenticate(user.email, STAFF_PASSWORD) is not None
    assert other_device.get("/staff/").status_code == 200


def test_a_refused_password_change_with_htmx_is_the_form_alone(client, make_staff, staff_login):
    staff_login(client, make_staff("facilitator"))
    response = change_password(client, current="not my password", **HTMX)
    assert response.status_code == 422 and "<html" not in response.text
    assert 'id="password-form"' in response.text


ROOM = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "base_url": "https://cite.test"}


@throttled
def test_anonymous_posts_from_the_room_do_not_block_an_organisers_password_change(
    app, client, make_staff, staff_login, app_config
):
    stranger = app.test_client()
    statuses = [
        change_password(stranger, current=f"guess {n}", **ROOM).status_code for n in range(12)
    ]
    assert set(statuses) == {403}  # refused, and counted against nobody
    staff_login(client, make_staff("organiser"))
    assert change_password(client, **ROOM).status_code == 303


@throttled
def test_wrong_current_passwords_are_throttled_per_account(
    app, client, make_staff, staff_login, app_config
):
    staff_login(client, make_staff("organiser"))
    statuses = [
        change_password(client, current=f"guess {n}", **ROOM).status_code for n in range(11)
    ]
    assert statuses == [422] * 10 + [429]
    # Another account from the same address has its own budget.
    colleague = staff_login(app.test_client(), make_staff("facilitator"))
    assert change_password(colleague, **ROOM).status_code == 303


def test_a_password_change_with_htmx_goes_home(client, make_staff, staff_login):
    staff_login(client, make_staff("facilitator"))
    response = change_password(client, **HTMX)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/staff/"
