"""Authentication through allauth; permissions come only from django-rules.

Django's database permission rows are not used by the portal, so this
backend answers no to them without querying (ModelBackend would load them
on every request that asks a permission rules does not grant).

Loading the signed-in user is the one query of nearly every signed-in
request; building it through the ORM cost ~0.9 ms of CPU per request in
the vote benchmark's profile (compiling the same SELECT each time), so it
is one fixed SELECT of the user's columns instead.
"""

from __future__ import annotations

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.db import connections, router


@cache
def _user_select() -> tuple[str, list[str]]:
    model = get_user_model()
    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(connections["default"].ops.quote_name(f.column) for f in fields)
    table = connections["default"].ops.quote_name(model._meta.db_table)
    pk = connections["default"].ops.quote_name(model._meta.pk.column)
    return f"SELECT {columns} FROM {table} WHERE {pk} = %s", [f.attname for f in fields]


class PortalAuthenticationBackend(AuthenticationBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a malformed id in a session is no user
            return None
        sql, attnames = _user_select()
        db = router.db_for_read(model)
        with connections[db].cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(db, attnames, [
            field.from_db_value(value, None, connections[db]) if hasattr(field, "from_db_value") else value
            for field, value in zip(model._meta.concrete_fields, row)
        ])
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False
