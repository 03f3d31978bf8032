"""The notification outbox: queued with the transaction, sent at most once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from portal import notifications
from portal.enums import NotificationState
from portal.models import Notification
from portal.outbox import read_messages
from portal.sms import OutboxSmsBackend


class SlowSmsBackend(OutboxSmsBackend):
    """A gateway that takes a moment to answer, as real ones do."""

    def send(self, *, phone: str, text: str) -> str:
        time.sleep(0.3)
        super().send(phone=phone, text=text)
        return f"msgid-{phone[-4:]}"


@pytest.mark.django_db
def test_a_rolled_back_change_queues_no_notification_and_no_job():
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.queue_sms(phone="13800138000", text="不会发出")
        raise RuntimeError
    assert not Notification.objects.exists()
    assert not ProcrastinateJob.objects.filter(task_name=notifications.SEND_TASK).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_notification_send_it_once(settings):
    settings.SMS_BACKEND = f"{__name__}.SlowSmsBackend"
    (row,) = notifications.queue_sms(phone="13800138000", text="【民心榜】您的诉求已办结")
    barrier = threading.Barrier(2)
    answers = []

    def worker():
        try:
            barrier.wait()
            answers.append(notifications.deliver(notification_id=row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["already handled", "msgid-8000"]
    assert len(read_messages(to="13800138000", channel="sms")) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.gateway_answer) == (NotificationState.SENT, 1, "msgid-8000")


@pytest.mark.django_db
def test_a_notification_left_sending_by_a_killed_worker_is_not_sent_again():
    (row,) = notifications.queue_sms(phone="13800138000", text="【民心榜】测试")
    # What a worker killed between its claim and the gateway's answer leaves.
    Notification.objects.filter(pk=row.pk).update(state=NotificationState.SENDING, attempts=1)
    assert notifications.deliver(notification_id=row.pk) == "already handled"
    assert read_messages(to="13800138000") == []
    row.refresh_from_db()
    assert row.state == NotificationState.SENDING


@pytest.mark.django_db(transaction=True)
def test_a_notice_queued_inside_the_task_worker_commits_with_its_row():
    """The task worker swaps procrastinate's connector for a pool of its own
    (autocommit); a notice queued by a task (the deadline sweep) must still
    have its job in the task's transaction, or another worker may run the
    job before the row exists and the notice is never sent."""
    from procrastinate import SyncPsycopgConnector
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.utils import connector_params

    worker_connector = SyncPsycopgConnector(kwargs=connector_params(), min_size=1, max_size=1)
    worker_connector.open()
    try:
        with app.replace_connector(worker_connector), transaction.atomic():
            rows = notifications.queue_email(to=["unit@example.cn"], subject="工单已超期", body="超期")
            transaction.set_rollback(True)
    finally:
        worker_connector.close()
    assert not ProcrastinateJob.objects.filter(args__notification_id=rows[0].pk).exists()
