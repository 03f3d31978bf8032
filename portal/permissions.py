"""The one permission check of the portal.

Rules are django-rules predicates (``<app>/rules.py``); services, views and
the API ask them only through :func:`require`, which refuses with the shared
refusal hierarchy (portal.exceptions). No app keeps a helper of its own
(tests/test_architecture.py holds that).

403 or 404: an actor refused an action on an object they may see gets 403
(PermissionDeniedError) with a message saying who may do it. Where even
learning that the object exists would disclose something (an appeal outside
the staff member's unit, a finalist not assigned to this reviewer, a case
entry not on the public board), the caller passes ``conceal=True`` and the
refusal is 404 (NotFoundError), the same answer as for an id that does not
exist.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.exceptions import NotFoundError, PermissionDeniedError


def require(actor, perm: str, obj=None, *, message=None, field: str | None = None, conceal: bool = False) -> None:
    """Refuse unless `actor` holds the django-rules permission `perm` (on
    `obj` when given). `actor` None is the system (seed, shell, background
    tasks, automatic dispatch), which is never refused."""
    if actor is None or actor.has_perm(perm, obj):
        return
    if conceal:
        raise NotFoundError(message or _("找不到这个页面，它可能已被移走或从未存在。"), field=field)
    raise PermissionDeniedError(message or _("你没有执行此操作的权限。"), field=field)
