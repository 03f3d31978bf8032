"""Authentication through allauth; permissions come only from django-rules.

Django's database permission rows are not used by the portal, so this
backend answers no to them without querying (ModelBackend would load them
on every request that asks a permission rules does not grant).
"""

from allauth.account.auth_backends import AuthenticationBackend


class PortalAuthenticationBackend(AuthenticationBackend):
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
