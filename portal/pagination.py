"""Pages of the API's lists (kept apart from portal.api: DRF imports it while loading its settings)."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """limit/offset pages of at most 200 rows: an unbounded limit reached the
    database as a number too big for it (a server error) and would let one
    request read a whole table."""

    max_limit = 200
