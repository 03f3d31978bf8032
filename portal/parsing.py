"""Numbers read from addresses and submitted lists (ids, filters)."""

from __future__ import annotations

ID_DIGITS = 18  # every id fits PostgreSQL's bigint


def positive_int(value) -> int | None:
    """``value`` as a whole number above 0 written in ASCII digits, else None.
    ``str.isdigit()`` then ``int()`` let "²" and numbers too long for int()
    or the database through, as server errors."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > ID_DIGITS:
        return None
    return int(text) or None
