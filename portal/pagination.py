"""Pages of the API's lists (kept apart from portal.api: DRF imports it while loading its settings)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset pages of at most 200 rows: an unbounded limit reached the
    database as a number too big for it (a server error) and would let one
    request read a whole table. A limit or offset that is not a whole number
    in range is refused (400 naming it), as the schema says, rather than
    quietly read as the first page."""

    max_limit = 200

    def get_limit(self, request):
        limit = self._whole_number(request, self.limit_query_param, minimum=1,
                                   message=_("每页条数 limit 应为 1 以上的整数。"))
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        offset = self._whole_number(request, self.offset_query_param, minimum=0,
                                    message=_("起始位置 offset 应为 0 以上的整数。"))
        return offset or 0

    @staticmethod
    def _whole_number(request, name: str, *, minimum: int, message: str) -> int | None:
        if name not in request.query_params:
            return None
        raw = request.query_params[name]
        try:
            value = int(raw) if raw.strip().lstrip("-").isdigit() else None
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise ValidationError({name: [message]})
        return value

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1 if parameter["name"] == self.limit_query_param else 0
        return parameters
