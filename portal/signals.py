"""Receivers for django-allauth's signals (its documented hook)."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from portal import services


@receiver(email_confirmed)
def resident_confirmed_email(sender, request, email_address, **kwargs) -> None:
    services.claim_verified_email(user=email_address.user, email=email_address.email)
