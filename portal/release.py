"""Which code is running: the git commit, for Sentry's release and the
backup manifest."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@functools.cache
def git_commit() -> str | None:
    """The checked-out commit, or None outside a git checkout (a deployment
    that copies the code sets SENTRY_RELEASE instead)."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None
