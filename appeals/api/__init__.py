"""The appeals API (/api/v1/appeals/...), one module per audience: public,
resident, staff (shared by units and the centre), unit, centre; shared
serializers in common. Thin views over the same services and selectors as
the pages; routes in appeals/api_urls.py."""
