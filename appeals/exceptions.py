"""The appeals app's one refusal of its own. Every other refusal is one of
the shared kinds (portal.exceptions: InvalidError, ConflictError,
PermissionDeniedError, NotFoundError...), raised by the services and
answered by the middleware or the API's handler."""

from portal.exceptions import InvalidError


class CatalogueImportError(InvalidError):
    """An import file had bad rows: every one is listed (line, column,
    message: appeals.services.catalogue_io.reading.RowError), none imported."""

    def __init__(self, message, *, errors: list):
        super().__init__(message, code="import_rejected")
        self.errors = errors
