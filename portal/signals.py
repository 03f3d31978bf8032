"""Receivers for django-allauth's and Django's authentication signals (their documented hooks)."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal import services


@receiver(email_confirmed)
def resident_confirmed_email(sender, request, email_address, **kwargs) -> None:
    services.claim_verified_email(user=email_address.user, email=email_address.email)


@receiver(user_logged_in)
def staff_session_starts_at_sign_in(sender, request, user, **kwargs) -> None:
    """A sign-in starts the staff session's 8-hour clock afresh (Django keeps
    the session's data when the same user signs in again)."""
    from portal.middleware import StaffSessionMiddleware

    if request is not None and hasattr(request, "session"):
        StaffSessionMiddleware.forget(request.session)
