"""Settings come from the environment; production values pass check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(extra_env: dict) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process;
    # a deployment never has it (and check --deploy rightly flags it).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_values_pass_check_deploy():
    result = run_check(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "minxinbang.example.cn",
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_COOKIES": "1",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_HSTS_PRELOAD": "1",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_defaults_are_flagged_by_check_deploy():
    result = run_check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout  # the development SECRET_KEY
