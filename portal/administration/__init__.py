"""Portal administration (平台管理员, issue 21): the unit tree, staff
invitations, roles and deactivation, and the audit log, as portal pages, so
that nobody but a superuser needs Django admin for them.

Same shape as an app: ``services`` (the writes, each asking
``portal.permissions.require`` first and writing an audit row),
``selectors`` (the reads, never a resident's contact), ``forms``, ``views``
and ``urls``. Its tables are the core's (portal.models: Invitation,
AuditEntry, Unit.is_active).
"""
