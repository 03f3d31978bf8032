"""Signing a test client in the way allauth records it, so that checks of
how recent the last authentication was (portal.reauth) see a real record."""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)


def sign_in(client, user, *, minutes_ago: float = 0) -> None:
    """Password and TOTP `minutes_ago` minutes ago (0: just now)."""
    client.force_login(user)
    at = time.time() - minutes_ago * 60
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": at, "email": user.email},
        {"method": "mfa", "at": at, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def totp_now(secret: str | None = None) -> str:
    """The current code of the test TOTP secret (tests.factories)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from tests.factories import TEST_TOTP_SECRET

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret or TEST_TOTP_SECRET, counter))


# Every kind of visitor a permission matrix walks through.
ROLES = ("anonymous", "resident", "unit_staff", "dispatcher", "organiser", "reviewer", "portal_admin")


def signed_in_as(client, role: str):
    """Sign `client` in as a new user of `role` ("anonymous": nobody)."""
    from django.contrib.auth.models import AnonymousUser

    from tests import factories

    if role == "anonymous":
        return AnonymousUser()
    user = factories.ResidentFactory() if role == "resident" else factories.StaffFactory(role=role)
    sign_in(client, user)
    return user


def assert_refused_everywhere(client, role: str, requests, snapshot) -> None:
    """Each (method, address, data) is refused to `role` (a visitor is sent
    to sign in, anyone else gets 403) and `snapshot()` shows nothing changed."""
    before = snapshot()
    for method, address, data in requests:
        response = getattr(client, method)(address, data)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], address
        else:
            assert response.status_code == 403, (role, address)
    assert snapshot() == before
