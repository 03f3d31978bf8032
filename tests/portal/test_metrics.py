"""/metrics: refused to the public, and its counters follow what the portal
does (votes, refusals, the task queue, failed tasks), added up over
processes as granian's workers and the task worker run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    response = (client or Client(REMOTE_ADDR="127.0.0.1")).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"REMOTE_ADDR": "203.0.113.7"},
        # Through a proxy on the same machine: REMOTE_ADDR is loopback, but the
        # request came from outside.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer wrong"},
    ],
    ids=["public address", "through a proxy", "wrong token"],
)
def test_metrics_are_refused_to_the_public(settings, headers):
    settings.METRICS_TOKEN = "scrape-secret"
    response = Client().get("/metrics", **headers)
    assert response.status_code == 403
    assert b"portal_votes_cast_total" not in response.content


@pytest.mark.django_db
def test_metrics_answer_loopback_and_a_bearer_token_from_anywhere(settings):
    settings.METRICS_TOKEN = "scrape-secret"
    assert ("portal_votes_cast_total", ()) in scrape()
    from_monitoring = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="198.51.100.9")
    samples = scrape(from_monitoring, HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert any(name == "django_http_requests_total_by_method_total" for name, _labels in samples)


@pytest.mark.django_db
def test_metrics_without_a_token_configured_refuse_every_bearer(settings):
    settings.METRICS_TOKEN = ""
    response = Client(REMOTE_ADDR="203.0.113.7").get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_vote_and_a_refused_vote_move_their_counters():
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    case = factories.CaseEntryFactory(campaign=campaign)
    voter = factories.ResidentFactory(with_phone=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {factories.ApiTokenFactory(user=voter).secret}")
    url = f"/api/v1/campaigns/{campaign.pk}/cases/{case.pk}/votes"
    before = scrape()

    assert api.post(url).status_code == 201
    after_vote = scrape()
    assert value(after_vote, "portal_votes_cast_total") == value(before, "portal_votes_cast_total") + 1

    refused = api.post(url)
    assert refused.status_code == 409
    code = refused.json()["error"]["code"]
    after_refusal = scrape()
    assert value(after_refusal, "portal_votes_cast_total") == value(after_vote, "portal_votes_cast_total")
    assert value(after_refusal, "portal_refusals_total", code=code, status="409") == (
        value(before, "portal_refusals_total", code=code, status="409") + 1
    )


@pytest.mark.django_db
def test_error_pages_count_refusals_by_code_and_status():
    before = scrape()
    assert Client().get("/no-such-page/").status_code == 404
    assert Client().get("/api/v1/me").status_code == 401
    after = scrape()
    assert value(after, "portal_refusals_total", code="not_found", status="404") == (
        value(before, "portal_refusals_total", code="not_found", status="404") + 1
    )
    assert value(after, "portal_refusals_total", code="not_authenticated", status="401") == (
        value(before, "portal_refusals_total", code="not_authenticated", status="401") + 1
    )


@pytest.mark.django_db
def test_queue_depth_counts_jobs_due_and_waiting():
    from voting.tasks import rollup_vote_counts

    before = scrape()
    rollup_vote_counts.defer(campaign_id=1)
    rollup_vote_counts.configure(schedule_in={"hours": 1}).defer(campaign_id=2)
    after = scrape()
    assert value(after, "portal_task_queue_depth") == value(before, "portal_task_queue_depth") + 1
    assert value(after, "portal_task_jobs", status="todo") == value(before, "portal_task_jobs", status="todo") + 2


def _env_for_subprocess(metrics_dir: Path) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_in_the_worker_process_is_counted_on_the_web_side(tmp_path, monkeypatch):
    from voting.tasks import rollup_vote_counts

    # A job whose task raises (it takes campaign_id): what a bug in a task does.
    rollup_vote_counts.defer(campaign=1)
    worker = subprocess.run(
        [sys.executable, "manage.py", "procrastinate", "worker", "--one-shot", "--queues", "voting",
         "--concurrency", "1"],
        cwd=ROOT, env=_env_for_subprocess(tmp_path), capture_output=True, timeout=120,
    )
    assert worker.returncode == 0, worker.stderr.decode()[-2000:]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape()
    assert value(samples, "portal_task_failures_total", task="voting.rollup_vote_counts") == 1
    assert value(samples, "portal_task_jobs", status="failed") == 1


@pytest.mark.django_db
def test_counters_of_several_processes_add_up(tmp_path, monkeypatch):
    count_in_a_process = (
        "import django; django.setup()\n"
        "from portal import metrics\n"
        "metrics.count_vote(); metrics.count_refusal(code='already_voted_today', status=409)\n"
    )
    for _process in range(2):  # two web workers, each its own process
        subprocess.run([sys.executable, "-c", count_in_a_process], cwd=ROOT, env=_env_for_subprocess(tmp_path),
                       check=True, timeout=120)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape()
    assert value(samples, "portal_votes_cast_total") == 2
    assert value(samples, "portal_refusals_total", code="already_voted_today", status="409") == 2
