"""Settings come from the environment: production refuses to start without
its own secret key, hosts and database, and the documented production
environment passes check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the README's production section documents (behind a TLS proxy).
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "minxinbang.example.cn",
    "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
    "CSRF_TRUSTED_ORIGINS": "https://minxinbang.example.cn",
    "BEHIND_TLS_PROXY": "1",
    "TRUSTED_PROXIES": "10.0.0.10",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_COOKIES": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    """Run manage.py in a clean environment: none of the portal's variables
    from this process (the test run is a development environment, and
    DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests; a deployment never
    has it and check --deploy rightly flags it)."""
    portal_names = ("SECURE_", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "CSRF_", "BEHIND_TLS_PROXY", "TRUSTED_PROXIES",
                    "PORTAL_", "DJANGO_ALLOW_ASYNC_UNSAFE", "MEDIA_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(portal_names)}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )


def test_documented_production_environment_passes_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_a_malformed_trusted_proxy_stops_the_start():
    result = manage("check", env={**PRODUCTION, "TRUSTED_PROXIES": "10.0.0.10,balancer.internal"})
    assert result.returncode != 0
    assert "balancer.internal" in result.stderr


def test_production_refuses_to_start_without_any_of_its_settings_and_names_each():
    result = manage("check", env={"DEBUG": "0"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in REQUIRED:
        assert name in result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_one_setting_and_names_only_that_one(missing):
    env = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert missing in message
    assert not [name for name in REQUIRED if name != missing and name in message], message


def test_production_refuses_the_development_secret_key():
    from django.conf import settings

    result = manage("check", env={**PRODUCTION, "SECRET_KEY": settings.DEVELOPMENT_SECRET_KEY})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("env", [{"DEBUG": "1"}, {"PORTAL_ENV": "development"}])
def test_development_starts_with_no_configuration(env):
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


def test_make_runs_services_env_is_a_complete_configuration(tmp_path):
    """`make run` and `make bench` source var/services.env: it carries a
    generated secret key and the local hosts, so they start without
    PORTAL_ENV, and the key is kept between runs (sessions survive)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import services
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    services.write_env(tmp_path, database_url="postgres://postgres@127.0.0.1:5432/portal", redis_url="redis://127.0.0.1:6379/0")
    first = (tmp_path / "services.env").read_text()
    services.write_env(tmp_path, database_url="postgres://postgres@127.0.0.1:5432/portal", redis_url="redis://127.0.0.1:6379/0")
    assert (tmp_path / "services.env").read_text() == first
    sourced = subprocess.run(
        ["bash", "-c", f"source {tmp_path / 'services.env'} && {sys.executable} manage.py check"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "ALLOWED_HOSTS", "PORTAL_ENV", "DATABASE_URL"))},
        capture_output=True, text=True, timeout=120,
    )
    assert sourced.returncode == 0, sourced.stderr
    generated = first.split("SECRET_KEY:-", 1)[1].split("}", 1)[0]
    assert len(generated) >= 50 and "dev-insecure" not in generated
