"""portal.caching: the one cache-aside helper (real Redis, the tests' own database)."""

from portal import caching


def test_a_value_is_computed_once_and_shared_until_refreshed():
    calls = []

    def compute():
        calls.append(1)
        return f"value {len(calls)}"

    assert caching.remember("caching-test", compute, 60) == "value 1"
    assert caching.remember("caching-test", compute, 60) == "value 1"
    assert caching.remember("caching-test", compute, 60, refresh=True) == "value 2"
    assert caching.remember("caching-test", compute, 60) == "value 2"
    assert len(calls) == 2


def test_a_none_value_is_not_kept():
    calls = []
    assert caching.remember("caching-none", lambda: calls.append(1), 60) is None
    assert caching.remember("caching-none", lambda: calls.append(1), 60) is None
    assert len(calls) == 2


def test_a_bumped_version_moves_the_keys_on():
    first = caching.version("caching-version")
    assert caching.version("caching-version") == first
    caching.bump("caching-version")
    assert caching.version("caching-version") == first + 1
    caching.bump("caching-never-read")
    assert caching.version("caching-never-read") != caching.version("caching-unknown")
