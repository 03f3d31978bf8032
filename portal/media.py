"""Uploaded files: public ones under MEDIA_ROOT, private ones elsewhere.

Public files (case photos, campaign covers) live under MEDIA_ROOT and are
served as plain files at MEDIA_URL (by nginx or object storage in a
deployment, by ``public_media`` on one machine). Private files (appeal
photos: homes, faces, number plates) live under PRIVATE_MEDIA_ROOT, have no
URL of their own, and are handed out only by a view that has checked the
permission, through ``private_file_response``.

On object storage (MEDIA_STORAGE=s3, django-storages) the same split holds:
public files are public-read objects with plain URLs; private ones are
private objects in their own bucket or prefix, and the checking view answers
with a redirect to a signed URL that expires after
PRIVATE_MEDIA_URL_SECONDS, so the bytes come from the bucket, not the web
node, and a copied link stops working.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.functional import cached_property
from django.views.static import serve


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, never under a public URL."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("A private file has no public URL; link the view that checks who may see it.")


def private_storage() -> PrivateStorage:
    """The storage of private files (a callable, so that migrations name it)."""
    return storages["private"]


def private_file_response(file) -> HttpResponse:
    """Hand a private file to someone a view has already checked.

    Behind nginx (PRIVATE_MEDIA_ACCEL_REDIRECT set to an ``internal``
    location aliasing PRIVATE_MEDIA_ROOT) the answer is an empty body with
    X-Accel-Redirect, and nginx sends the file; otherwise Django streams it.
    """
    if not isinstance(file.storage, FileSystemStorage):
        # Object storage: a signed URL that expires (PRIVATE_MEDIA_URL_SECONDS).
        response = HttpResponseRedirect(file.storage.url(file.name))
        response["Cache-Control"] = "private, no-store"  # a new signature at each visit
        return response
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(file.name)
    else:
        try:
            handle = file.storage.open(file.name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type=content_type)
    # Only the browser of the person who was allowed may keep a copy.
    response["Cache-Control"] = "private, max-age=3600"
    return response


def public_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve a public upload from MEDIA_ROOT (read at request time) on a
    machine without nginx; private files are not under it."""
    return serve(request, path, document_root=Path(settings.MEDIA_ROOT))
