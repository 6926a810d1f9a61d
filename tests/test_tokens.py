"""Tokens and signatures (cite_vote/tokens.py): the hash written once, read by every part."""

from __future__ import annotations

import hashlib
import re

from cite_vote.limits import participant_key
from cite_vote.tokens import hash_token, new_token, sign

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+\Z")


def test_a_new_token_is_url_safe_random_and_as_long_as_asked():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(URL_SAFE.match(token) and len(token) == 43 for token in tokens)  # 32 bytes
    assert len(new_token(24)) == 32


def test_the_stored_hash_is_sha256_in_lowercase_hex():
    # The test vector of FIPS 180-2: a database written before this module must still match.
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert hash_token("abc") == expected
    assert hash_token("é") == hashlib.sha256("é".encode()).hexdigest()


def test_the_participant_s_row_holds_the_hash_of_their_cookie(make_forum, make_participant):
    participant = make_participant(make_forum())
    assert participant.token_hash == hash_token(participant.token)
    assert participant.token not in participant.token_hash


def test_the_rate_limit_key_of_a_phone_is_its_cookie_s_hash(app, make_forum, make_participant):
    participant = make_participant(make_forum())
    cookie = app.config["PARTICIPANT_COOKIE_NAME"]
    headers = {"Cookie": f"{cookie}={participant.token}"}
    with app.test_request_context("/", headers=headers):
        assert participant_key() == f"participant:{participant.token_hash}"
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        assert participant_key() == "address:192.0.2.7"


def test_a_signature_is_short_stable_and_keyed():
    signature = sign("secret", "phase", "salle", 3)
    assert re.fullmatch(r"[0-9a-f]{20}", signature)
    assert sign(b"secret", "phase", "salle", 3) == signature  # the key as text or as bytes
    assert sign("secret", "phase", "salle", "3") == signature  # parts are read as text
    assert sign("another", "phase", "salle", 3) != signature
    assert sign("secret", "phase", "salle", 4) != signature
    assert sign("secret", "phase", "sal", "le", 3) != signature
    assert sign("secret", "screen", 1, 7, None) == sign("secret", "screen", 1, 7, "")
