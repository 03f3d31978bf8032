"""The shape of the code that a newcomer relies on (docs: shared STYLE.md
point 13): one permission check and one refusal path."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "cases", "voting", "appeals")
THE_CHECK = Path("portal/permissions.py")


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _is_has_perm_call(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has_perm"


def _refuses_by_hand(tree) -> list[int]:
    """Lines of ``if ... has_perm(...) ...: raise ...``: a permission refusal
    written outside portal.permissions.require."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and any(_is_has_perm_call(n) for n in ast.walk(node.test)):
            if any(isinstance(n, ast.Raise) for n in node.body):
                lines.append(node.lineno)
    return lines


def test_no_module_but_portal_permissions_defines_a_require_helper():
    helpers = [
        f"{path}:{node.lineno} {node.name}"
        for path, tree in _modules() if path != THE_CHECK
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and (node.name in ("require", "_require") or node.name.startswith(("_require_", "_may_")))
    ]
    assert helpers == []


def test_no_module_refuses_a_permission_by_hand():
    found = [f"{path}:{line}" for path, tree in _modules() if path != THE_CHECK for line in _refuses_by_hand(tree)]
    assert found == []


def test_no_view_maps_a_refusals_status_by_hand():
    """``except ... as exc: if exc.status ...`` belongs to portal.errors (pages)
    and portal.api.exception_handler (the API) only."""
    found = []
    for path, tree in _modules():
        if path in (Path("portal/errors.py"), Path("portal/api.py")):
            continue
        for handler in ast.walk(tree):
            if isinstance(handler, ast.ExceptHandler) and handler.name:
                for node in ast.walk(handler):
                    if (isinstance(node, ast.Attribute) and node.attr == "status"
                            and isinstance(node.value, ast.Name) and node.value.id == handler.name):
                        found.append(f"{path}:{node.lineno}")
    assert found == []


def test_the_helper_detectors_find_what_they_look_for():
    """The checks above would see a local helper and a hand-made refusal."""
    tree = ast.parse(
        "def _require(actor, perm):\n"
        "    if not actor.has_perm(perm):\n"
        "        raise PermissionDenied\n"
    )
    assert _refuses_by_hand(tree) == [2]
