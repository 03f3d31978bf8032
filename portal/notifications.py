"""E-mail and SMS through the task queue (an outbox).

``queue_email`` / ``queue_sms`` write one Notification row per recipient and
defer one procrastinate job per row, both in the caller's transaction: the
notification exists exactly when the change it reports is committed, and a
failing gateway can no longer fail the request (nothing is sent inline).

``deliver`` (the job, portal.tasks.send_notification) claims its row with one
atomic UPDATE (pending → sending) before calling the gateway, so two workers
or a re-run job never send it twice; a worker killed mid-send leaves the row
in ``sending`` and it is not sent again (at most once; staff see the delivery
as unconfirmed). A gateway error puts the row back to ``pending`` with the
error as the gateway's answer and re-raises, so procrastinate retries with
backoff; after MAX_ATTEMPTS the row is ``failed``.

allauth's sign-in and verification codes stay synchronous (portal.adapters):
a resident is waiting on the page for them, and an error must show there.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from procrastinate import jobs as procrastinate_jobs
from procrastinate import manager as procrastinate_manager
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from portal import sms
from portal.enums import NotificationChannel, NotificationState
from portal.models import Notification

SEND_TASK = "portal.send_notification"
MAX_ATTEMPTS = 6
# Jobs written through Django's own connection, so inside the caller's
# transaction wherever the caller runs. procrastinate's task worker swaps the
# app's connector for a pool of its own (autocommit): a notice queued by a
# task (the deadline sweep) had its job committed before its row, another
# worker ran the job before the row existed ("already handled"), and the
# notice stayed pending for ever (found by the cluster drill, bench/cluster.py).
_JOBS_IN_TRANSACTION = procrastinate_manager.JobManager(
    DjangoConnector(alias=getattr(settings, "PROCRASTINATE_DATABASE_ALIAS", "default"))
)


def queue_email(*, to: list[str], subject: str, body: str, about=None) -> list[Notification]:
    return _queue(channel=NotificationChannel.EMAIL, recipients=to, subject=subject, body=body, about=about)


def queue_sms(*, phone: str, text: str, about=None) -> list[Notification]:
    return _queue(channel=NotificationChannel.SMS, recipients=[phone], subject="", body=text, about=about)


@transaction.atomic
def _queue(*, channel: str, recipients: list[str], subject: str, body: str, about) -> list[Notification]:
    about_fields = {}
    if about is not None:
        about_fields = {"about_type": ContentType.objects.get_for_model(about), "about_id": about.pk}
    rows = Notification.objects.bulk_create(
        Notification(channel=channel, recipient=recipient, subject=str(subject)[:255], body=str(body), **about_fields)
        for recipient in dict.fromkeys(r for r in recipients if r)
    )
    job = app.configure_task(name=SEND_TASK, queue="notifications").job
    task = procrastinate_jobs.JobDeferrer(job_manager=_JOBS_IN_TRANSACTION, job=job)
    for row in rows:
        # Through this transaction's connection: row and job commit (or vanish) together.
        task.defer(notification_id=row.pk)
    return rows


def _send(row: Notification) -> str:
    if row.channel == NotificationChannel.EMAIL:
        message = EmailMessage(row.subject, row.body, None, [row.recipient], headers={"X-Idempotency-Key": str(row.key)})
        accepted = message.send()
        return f"accepted by {settings.EMAIL_BACKEND.rsplit('.', 1)[-1]} ({accepted})"
    answer = sms.get_backend().send(phone=row.recipient, text=row.body)
    return str(answer) if answer else "accepted"


def deliver(*, notification_id: int) -> str:
    """Sends one notification at most once; the outcome is recorded on its
    row. Raises the gateway's error (after recording it) for a retry."""
    claimed = Notification.objects.filter(pk=notification_id, state=NotificationState.PENDING).update(
        state=NotificationState.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return "already handled"
    row = Notification.objects.get(pk=notification_id)
    try:
        answer = _send(row)
    except Exception as exc:
        last = row.attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=row.pk, state=NotificationState.SENDING).update(
            state=NotificationState.FAILED if last else NotificationState.PENDING,
            gateway_answer=f"{exc.__class__.__name__}: {exc}"[:2000],
            finished_at=timezone.now() if last else None,
        )
        raise
    Notification.objects.filter(pk=row.pk).update(
        state=NotificationState.SENT, gateway_answer=answer[:2000], finished_at=timezone.now()
    )
    return answer

