"""Errors to Sentry when SENTRY_DSN is set: a 500 sends one event to the DSN
(a real HTTP server in the test standing in for Sentry), tagged with the
request's id, without the resident's phone number or e-mail address."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from portal.errortracking import scrub_contacts
from tests.portal.crashing_urls import RESIDENT_EMAIL, RESIDENT_PHONE

ROOT = Path(__file__).resolve().parents[2]

# In a separate process: the settings read SENTRY_DSN at start, as in production.
A_500_UNDER_SENTRY = """
import json, django
django.setup()
import sentry_sdk
from django.test import Client, override_settings
with override_settings(ROOT_URLCONF="tests.portal.crashing_urls"):
    response = Client(raise_request_exception=False).get(
        "/crash/?phone=%(phone)s&note=call+%(phone)s", HTTP_X_CONTACT="%(email)s")
sentry_sdk.flush(10)
print(json.dumps({"status": response.status_code, "request_id": response["X-Request-ID"]}))
"""


@pytest.fixture
def sentry_server():
    """A tiny Sentry: keeps the bodies of the envelopes posted to it."""
    received: list[bytes] = []

    class Capture(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def _events(envelopes: list[bytes]) -> list[dict]:
    events = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for item_header, payload in zip(lines[1::2], lines[2::2]):
            if json.loads(item_header).get("type") == "event":
                events.append(json.loads(payload))
    return events


@pytest.mark.django_db(transaction=True)
def test_a_server_error_sends_an_event_with_the_request_id_and_no_contact(sentry_server):
    port, received = sentry_server
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_ENV": "development",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1",
        "ALLOWED_HOSTS": "testserver",
        "PORTAL_PLAIN_STATIC": "1",  # no collectstatic manifest here
        "SENTRY_ENVIRONMENT": "drill",
        "SENTRY_RELEASE": "portal@test",
    }
    script = A_500_UNDER_SENTRY % {"phone": RESIDENT_PHONE, "email": RESIDENT_EMAIL}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    answer = json.loads(run.stdout.decode().strip().splitlines()[-1])
    assert answer["status"] == 500

    (event,) = _events(received)
    assert event["tags"]["request_id"] == answer["request_id"]
    assert event["environment"] == "drill"
    assert event["release"] == "portal@test"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    raw = b"".join(received).decode()
    assert RESIDENT_PHONE not in raw
    assert RESIDENT_EMAIL not in raw
    assert "[Filtered]" in event["exception"]["values"][-1]["value"]


def test_no_sentry_without_a_dsn():
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize(
    "text",
    ["13912345678", "+86 139 1234 5678", "139-1234-5678", "0769-22831234", "a.b+c@example.com.cn"],
)
def test_contacts_are_scrubbed_from_any_string_in_an_event(text):
    event = {"message": f"call {text} now", "breadcrumbs": {"values": [{"message": text, "data": {"x": [text]}}]}}
    assert text not in json.dumps(scrub_contacts(event))
