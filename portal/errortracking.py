"""Errors to Sentry when SENTRY_DSN is set (portal/settings.py calls
``init_sentry``).

No resident's contact leaves the portal: no default PII (no user, cookies or
IP), no request bodies, no local variables of stack frames (they hold
residents' names and addresses), keys naming contacts scrubbed wherever they
appear, and every phone number or e-mail address left in a message, a URL
or a log breadcrumb replaced before the event is sent. Each event carries
the request's id (tag ``request_id``, set by portal.requestlog), the
environment and the release (the git commit unless SENTRY_RELEASE says).
"""

from __future__ import annotations

import re

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

FILTERED = "[Filtered]"
# Mainland mobile numbers with or without +86 and separators, and landlines
# with an area code (0769-2283 1234); e-mail addresses.
PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d{4}){2}|0\d{2,3}[\s-]?\d{7,8})(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Keys scrubbed wherever they appear (request data, breadcrumbs, extra):
# the fields residents' contacts live in (appeals.Appeal, portal.User).
CONTACT_KEYS = [
    "phone", "mobile", "email", "contact_phone", "contact_name", "display_name", "address", "location",
    "latitude", "longitude", "otp", "token",
]


def scrub_contacts(value):
    """Every string in the event, at any depth, without phone numbers or
    e-mail addresses."""
    if isinstance(value, str):
        return EMAIL.sub(FILTERED, PHONE.sub(FILTERED, value))
    if isinstance(value, dict):
        return {key: scrub_contacts(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_contacts(item) for item in value]
    return value


def before_send(event, hint):
    return scrub_contacts(event)


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float = 0.0) -> None:
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        event_scrubber=EventScrubber(
            denylist=[*DEFAULT_DENYLIST, *CONTACT_KEYS], pii_denylist=DEFAULT_PII_DENYLIST, recursive=True
        ),
        before_send=before_send,
        before_send_transaction=before_send,
        traces_sample_rate=traces_sample_rate,
    )
