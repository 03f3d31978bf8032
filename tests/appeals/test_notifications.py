"""Appeal notifications go through the outbox: queued with the change, sent
by a worker, retried while the gateway fails, shown to staff on the appeal."""

from __future__ import annotations

import uuid

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from appeals.models import Appeal
from portal import notifications
from portal.enums import NotificationState
from portal.models import Notification
from portal.outbox import read_messages
from portal.tasks import send_notification
from tests.appeals.test_api import body


@pytest.fixture
def mail_gateway_down(settings):
    # A real SMTP backend aimed at a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2


def test_mail_gateway_down_the_request_succeeds_and_the_notification_is_retried_until_sent(
    world, resident, mail_gateway_down, settings
):
    api = APIClient()
    api.force_authenticate(resident)
    response = api.post("/api/v1/appeals/", body(world), format="multipart", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    to_unit = Notification.objects.get(recipient=world.bureau_staff.email)
    assert (to_unit.state, to_unit.about_id, to_unit.attempts) == (NotificationState.PENDING, appeal.pk, 0)
    jobs = ProcrastinateJob.objects.filter(task_name="portal.send_notification", status="todo")
    assert {job.args["notification_id"] for job in jobs} == set(Notification.objects.values_list("pk", flat=True))

    with pytest.raises(ConnectionRefusedError):
        send_notification(notification_id=to_unit.pk)
    to_unit.refresh_from_db()
    assert (to_unit.state, to_unit.attempts) == (NotificationState.PENDING, 1)
    assert to_unit.gateway_answer.startswith("ConnectionRefusedError")
    assert read_messages(to=world.bureau_staff.email) == []

    settings.EMAIL_BACKEND = "portal.outbox.OutboxEmailBackend"  # the gateway is back
    send_notification(notification_id=to_unit.pk)
    to_unit.refresh_from_db()
    assert (to_unit.state, to_unit.attempts) == (NotificationState.SENT, 2)
    assert to_unit.gateway_answer == "accepted by OutboxEmailBackend (1)"
    (message,) = read_messages(to=world.bureau_staff.email)
    assert appeal.tracking_number in message["subject"]
    send_notification(notification_id=to_unit.pk)  # a re-run job sends nothing
    assert len(read_messages(to=world.bureau_staff.email)) == 1


def test_the_last_failed_attempt_marks_the_notification_failed(world, dispatched, mail_gateway_down):
    row = Notification.objects.filter(about_id=dispatched.pk).first()
    Notification.objects.filter(pk=row.pk).update(attempts=notifications.MAX_ATTEMPTS - 1)
    with pytest.raises(ConnectionRefusedError):
        send_notification(notification_id=row.pk)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (NotificationState.FAILED, notifications.MAX_ATTEMPTS)
    assert row.finished_at is not None
    assert send_notification(notification_id=row.pk) == "already handled"


def test_staff_see_the_appeals_notifications_with_state_and_gateway_answer(
    client, world, dispatched, dispatcher, mail_gateway_down, deliver_notifications
):
    with pytest.raises(ConnectionRefusedError):
        deliver_notifications()
    client.force_login(dispatcher)
    page = client.get(f"/appeals/s/{dispatched.pk}/").content.decode()
    assert "通知发送记录" in page
    assert "待发送" in page and "ConnectionRefusedError" in page
    email = world.bureau_staff.email
    assert f"{email[0]}***@{email.split('@')[1]}" in page
    assert email not in page
