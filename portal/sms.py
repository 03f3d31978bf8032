"""Sending SMS through a pluggable backend (setting ``SMS_BACKEND``).

A real provider is one more subclass of ``SmsBackend`` whose ``send`` calls
the provider's API; the portal only ever calls ``send_sms``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from portal import outbox


class SmsBackend:
    def send(self, *, phone: str, text: str) -> str | None:
        """Sends or raises; returns the provider's answer (a message id) if any."""
        raise NotImplementedError


class OutboxSmsBackend(SmsBackend):
    """Development: writes the message to the console and the outbox file."""

    def send(self, *, phone: str, text: str) -> str | None:
        outbox.record(channel="sms", to=[phone], subject="SMS", body=text)


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, text: str) -> None:
    get_backend().send(phone=phone, text=text)
