"""Private uploads on S3-compatible object storage (MEDIA_STORAGE=s3).

Its own module so that boto3 is imported only by deployments that use it.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """Private files (appeal photos): private objects reached only by signed
    URLs that expire (settings.STORAGES["private"] gives the bucket, the
    prefix and PRIVATE_MEDIA_URL_SECONDS). portal.media hands them out after
    the permission check."""

    def __init__(self, **options):
        super().__init__(**options)
        if self.default_acl != "private" or not self.querystring_auth:
            raise ValueError("Private files must be private objects reached only by signed URLs.")
