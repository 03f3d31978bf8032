from portal.exceptions import PortalError


class AppealError(PortalError):
    """A rule of the appeals app refused an action; nothing was changed."""


class CatalogueImportError(AppealError):
    """An import file had bad rows: every one is listed by line, none imported."""

    def __init__(self, message, *, errors: list[tuple[int, str]]):
        super().__init__(message, code="import_rejected", status=400)
        self.errors = errors
