"""Decimal arithmetic shared by every step: exact means, rounding once, and
competition ranks (1, 2, 2, 4)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
ZERO = Decimal(0)
PRECISION = 40  # digits carried while computing; only the published figures are rounded


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def as_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise ValueError("marks must be Decimal, int or str, not float")
    return Decimal(value)


def mean(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def population_sd(values: list[Decimal]) -> Decimal:
    centre = mean(values)
    return (sum(((v - centre) ** 2 for v in values), ZERO) / len(values)).sqrt()


def competition_ranks(values: Mapping, *, key=lambda v: v) -> dict:
    """Rank 1 + number of strictly better values (1, 2, 2, 4)."""
    keyed = {k: key(v) for k, v in values.items()}
    ordered = sorted(keyed.values(), reverse=True)
    first_index: dict = {}
    for index, value in enumerate(ordered):
        first_index.setdefault(value, index)
    return {k: first_index[v] + 1 for k, v in keyed.items()}
