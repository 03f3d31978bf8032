"""The development outbox: every email and SMS goes to the console and to a
JSON-lines file that the demo and the tests read (``read_messages``)."""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

_lock = threading.Lock()
CODE_PATTERN = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def outbox_path() -> Path:
    return Path(settings.PORTAL_OUTBOX_FILE)


def record(*, channel: str, to: list[str], subject: str, body: str) -> None:
    entry = {
        "channel": channel,
        "to": to,
        "subject": subject,
        "body": body,
        "sent_at": timezone.now().isoformat(),
    }
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    sys.stdout.write(f"[outbox:{channel}] to={','.join(to)} {subject}\n{body}\n")
    sys.stdout.flush()


def read_messages(*, to: str | None = None, channel: str | None = None) -> list[dict]:
    path = outbox_path()
    if not path.exists():
        return []
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if to is not None and to not in entry["to"]:
            continue
        if channel is not None and entry["channel"] != channel:
            continue
        messages.append(entry)
    return messages


def latest_code(*, to: str, channel: str | None = None) -> str | None:
    """The six-digit code in the newest message to `to`, if any."""
    for entry in reversed(read_messages(to=to, channel=channel)):
        match = CODE_PATTERN.search(entry["subject"] + "\n" + entry["body"])
        if match:
            return match.group(1)
    return None


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            record(
                channel="email",
                to=list(message.to),
                subject=str(message.subject),
                body=str(message.body),
            )
        return len(email_messages)
