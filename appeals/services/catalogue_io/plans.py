"""What an uploaded list would change: the rows it adds, changes and
removes against the list in force, each with its old and new cells, the
problems that block it, and a digest of the list compared with and the
change, by which applying it later knows the list has not moved since."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from appeals.enums import CatalogueList
from appeals.selectors import catalogue_lists as catalogue_selectors
from appeals.services.catalogue_io import items, responsibilities
from appeals.services.catalogue_io.reading import RowError, Table

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
HEADERS = {
    CatalogueList.ITEMS: catalogue_selectors.ITEM_HEADER,
    CatalogueList.RESPONSIBILITIES: catalogue_selectors.RESPONSIBILITY_HEADER,
}
OPTIONAL = {CatalogueList.ITEMS: catalogue_selectors.ITEM_OPTIONAL, CatalogueList.RESPONSIBILITIES: []}


@dataclass(frozen=True)
class Cell:
    column: str
    old: str | None
    new: str | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Change:
    action: str  # ADDED, CHANGED or REMOVED
    key: str
    line: int | None  # the file's line; None for a row the file leaves out
    old: list[str] | None
    new: list[str] | None
    header: list[str]

    def cells(self) -> list[Cell]:
        blank = [None] * len(self.header)
        return [Cell(column, old, new) for column, old, new in zip(self.header, self.old or blank, self.new or blank)]


@dataclass
class Plan:
    kind: str
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    digest: str = ""

    @property
    def header(self) -> list[str]:
        return HEADERS[self.kind]

    def count(self, action: str) -> int:
        return sum(change.action == action for change in self.changes)

    @property
    def added(self) -> int:
        return self.count(ADDED)

    @property
    def changed(self) -> int:
        return self.count(CHANGED)

    @property
    def removed(self) -> int:
        return self.count(REMOVED)


def _key(kind: str, row: list[str]):
    return row[2] if kind == CatalogueList.ITEMS else (row[0], row[1])


def _label(key) -> str:
    return key if isinstance(key, str) else " · ".join(key)


def current_rows(kind: str) -> list[list]:
    """The list in force as the download writes it."""
    return catalogue_selectors.item_rows() if kind == CatalogueList.ITEMS else catalogue_selectors.responsibility_rows()


def build_plan(kind: str, table: Table) -> Plan:
    """Compares the file's rows with the list in force (the file is the whole list)."""
    header = HEADERS[kind]
    current = {_key(kind, row): row for row in ([str(cell) for cell in row] for row in current_rows(kind))}
    warnings: list[RowError] = []
    if kind == CatalogueList.ITEMS:
        wanted, errors = items.parse(table, current=current)
    else:
        wanted, errors, warnings = responsibilities.parse(table, current=current)
    plan = Plan(kind=kind, warnings=warnings)
    for key, (line, new) in wanted.items():
        old = current.get(key)
        if old is None:
            plan.changes.append(Change(ADDED, _label(key), line, None, new, header))
        elif old != new:
            plan.changes.append(Change(CHANGED, _label(key), line, old, new, header))
        else:
            plan.unchanged += 1
    # A row the file names, even a bad one, is not removed (its problems say why it is not taken).
    named = {_key(kind, cells) for _line, cells in table} if kind == CatalogueList.ITEMS else {
        (cells[0], cells[1] or catalogue_selectors.CITY_WIDE) for _line, cells in table}
    removed = [key for key in current if key not in wanted and key not in named]
    plan.changes += [Change(REMOVED, _label(key), None, current[key], None, header) for key in removed]
    if kind == CatalogueList.ITEMS:
        errors += items.removal_problems(removed)
    plan.errors = sorted(errors, key=lambda e: (e.line is None, e.line or 0, header.index(e.column) if e.column in header else -1))
    plan.digest = hashlib.sha256(json.dumps(
        [kind, sorted(current.values()), [(c.action, c.key, c.old, c.new) for c in plan.changes]],
        ensure_ascii=False, separators=(",", ":"),
    ).encode()).hexdigest()
    return plan


def write(plan: Plan) -> None:
    upserts = [change.new for change in plan.changes if change.action != REMOVED]
    removals = [change.old for change in plan.changes if change.action == REMOVED]
    if plan.kind == CatalogueList.ITEMS:
        items.write(upserts=upserts, removals=[row[2] for row in removals])
    else:
        responsibilities.write(upserts=upserts, removals=[(row[0], row[1]) for row in removals])
