"""portal.wsgi loads what the first requests need before the server hands it
any: the fault drill (bench/faults.py) saw the first requests of a fresh web
worker wait seconds on one thread importing the URLconf, the API and its
schema tooling while the others queued on the import lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import portal.wsgi
from django.urls import get_resolver
from django.utils.translation import trans_real
from rest_framework.settings import api_settings
print("urls", "url_patterns" in get_resolver().__dict__)
print("api", "DEFAULT_AUTHENTICATION_CLASSES" in api_settings._cached_attrs)
print("views", all(name in sys.modules for name in ("voting.api", "appeals.views", "cases.views")))
print("catalog", "zh-hans" in trans_real._translations)
"""


def test_wsgi_application_loads_urls_api_and_translations_before_serving():
    env = {**os.environ, "PORTAL_ENV": "development", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.split() == ["urls", "True", "api", "True", "views", "True", "catalog", "True"]
