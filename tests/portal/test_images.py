import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.images import ImageRejected, process_upload


def jpeg_with_gps(width=800, height=600) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 58.0, 0.0), 3: "E", 4: (113.0, 45.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_upload_is_reencoded_without_exif_and_gets_a_thumbnail():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the test image does carry EXIF
    processed = process_upload(SimpleUploadedFile("photo.jpg", original, content_type="image/jpeg"))
    stored = Image.open(io.BytesIO(processed.image.read()))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    thumb = Image.open(io.BytesIO(processed.thumbnail.read()))
    assert max(thumb.size) <= 480


def test_text_file_renamed_jpg_is_rejected():
    with pytest.raises(ImageRejected) as error:
        process_upload(SimpleUploadedFile("photo.jpg", b"just some text, not a picture", content_type="image/jpeg"))
    assert error.value.code == "not_an_image"


def test_oversized_upload_is_rejected_before_decoding(settings):
    settings.PORTAL_IMAGE_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (2 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ImageRejected) as error:
        process_upload(upload)
    assert error.value.code == "image_too_large"


def test_image_with_too_many_pixels_is_rejected(settings):
    settings.PORTAL_IMAGE_MAX_SIDE = 1000
    with pytest.raises(ImageRejected) as error:
        process_upload(SimpleUploadedFile("wide.jpg", jpeg_with_gps(1200, 200), content_type="image/jpeg"))
    assert error.value.code == "image_too_big"
