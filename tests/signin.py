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
