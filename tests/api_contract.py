"""The API contract run: schemathesis against /api/schema/ of a live server,
anonymously and with a knox token of each role.

Shared by the test (tests/portal/test_api_contract.py, a short seeded budget
on pytest-django's live server) and the benchmark (bench/contract.py, a
longer budget on the portal served as `make run` serves it).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
ROLES = ("anonymous", "resident", "unit_staff", "dispatcher", "organiser", "reviewer")


def unlimited_rates(rates: dict[str, dict[str, str]]) -> dict[str, str]:
    """The environment that turns every rate limit off (an empty rate), for
    the server of the run: the limits have tests of their own, and a run
    whose writes mostly answer 429 leaves the logic behind them untested."""
    names = {"VOTING_RATE_PER_USER", "VOTING_RATE_PER_IP"}
    names |= {f"RATE_LIMIT_{action}_{scope}".upper().replace(".", "_") for action, scopes in rates.items() for scope in scopes}
    return dict.fromkeys(sorted(names), "")


def build_world() -> dict[str, str]:
    """A small portal for the run to find: a campaign on the board, the
    appeals catalogue, an appeal waiting for dispatch, and one caller of each
    role. Returns each role's token string ("" for anonymous)."""
    from appeals import services as appeals_services
    from portal import services as portal_services
    from portal.enums import TokenScope
    from tests import factories

    city = factories.UnitFactory(name="契约市人民政府")
    town = factories.UnitFactory(name="契约镇人民政府", parent=city)
    campaign = factories.CampaignFactory(timeline=factories.campaign_timeline(open_phase="voting"))
    factories.CaseEntryFactory.create_batch(3, campaign=campaign, unit=town)
    area = factories.AreaFactory(name="契约镇", unit=town)
    item = factories.AppealItemFactory(name="路灯不亮")
    factories.ResponsibilityFactory(item=item, area=None, primary_unit=town)

    staff = {
        "unit_staff": factories.StaffFactory(role="unit_staff", unit=town),
        "dispatcher": factories.StaffFactory(role="dispatcher"),
        "organiser": factories.StaffFactory(role="organiser"),
        "reviewer": factories.StaffFactory(role="reviewer"),
    }
    resident = factories.ResidentFactory(with_phone=True)
    appeals_services.file_appeal(
        resident=resident, idempotency_key="contract-1", item_id=item.pk, area_id=area.pk, title="路灯坏了",
        description="契约路口的路灯坏了三天。", address="契约镇契约路1号", latitude=None, longitude=None,
        contact_name="陈女士", contact_phone="13800138000", publish_consent=True, photos=[], channel="api",
    )
    tokens = {"anonymous": ""}
    for role, user in staff.items():
        # Staff make their tokens on the /tokens/ page: the service, after the second factor.
        _row, secret = portal_services.create_api_token(
            actor=user, name="契约测试", scope=TokenScope.READ_WRITE, lifetime=datetime.timedelta(days=1))
        tokens[role] = secret
    # The /tokens/ page is for staff; a resident's program holds a knox token all the same.
    tokens["resident"] = factories.ApiTokenFactory(user=resident, scope=TokenScope.READ_WRITE).secret
    return tokens


@dataclass
class Outcome:
    role: str
    exit_code: int
    cases: int
    failures: int
    output: str


def run(base_url: str, *, role: str, token: str, max_examples: int, seed: int | None = None, workers: int = 1,
        phases: str = "examples,coverage,fuzzing", extra: list[str] | None = None) -> Outcome:
    """One schemathesis run of every check; returns the cases it sent and
    the failures it found (counted from its JSON report). Without a seed the
    cases are schemathesis' deterministic ones (the same every run); with a
    seed, that seed's random ones (a deeper run tries several)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        generation = ["--generation-deterministic"] if seed is None else ["--seed", str(seed)]
        command = [
            SCHEMATHESIS, "run", f"{base_url}/api/schema/", "--checks", "all", "--max-examples", str(max_examples),
            *generation, "--generation-database", "none", "--phases", phases, "--workers", str(workers),
            "--no-color", "--continue-on-failure", "--suppress-health-check", "all",
            "--report", "json", "--report-json-path", str(report),
            *(["--header", f"Authorization: Token {token}"] if token else []), *(extra or []),
        ]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api_contract_hooks"}
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        data = json.loads(report.read_text()) if report.exists() else {}
    return Outcome(role=role, exit_code=done.returncode, output=done.stdout + done.stderr, **_figures(data))


def _figures(data: dict) -> dict:
    cases = data.get("test_cases", {})
    return {"cases": cases.get("generated", 0), "failures": cases.get("unique_failures", 0) + len(data.get("errors", []))}
