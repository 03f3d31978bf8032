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


def _png(size, mode="1") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")  # a flat image compresses to almost nothing
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _jpeg(size, mode="L") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size, 128).save(buffer, format="JPEG", quality=50)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_decompression_bomb_is_refused_from_its_header():
    """7,500 × 7,500 pixels in a ~20 KB PNG: it would decode to 56 M pixels."""
    bomb = _png((7500, 7500))
    assert bomb.size < 100_000
    with pytest.raises(ImageRejected) as error:
        process_upload(bomb)
    assert error.value.code == "image_too_big" and "万像素" in error.value.message


def test_large_png_is_refused_before_decoding_but_a_phone_jpeg_of_that_size_is_not():
    """A PNG is decoded at full size; a JPEG at the smallest scale that still
    covers the stored 1,920 pixels (Pillow's draft mode)."""
    with pytest.raises(ImageRejected) as error:
        process_upload(_png((6000, 6000)))
    assert error.value.code == "image_too_big" and "JPG" in error.value.message
    processed = process_upload(_jpeg((8000, 6000)))
    assert (processed.width, processed.height) == (1920, 1440)


def test_decoded_pixels_of_a_jpeg_follow_the_draft_scale():
    from portal.images import _decoded_pixels

    assert _decoded_pixels("JPEG", 8000, 6000, 1920) == 2000 * 1500  # 1/4 scale still covers 1920
    assert _decoded_pixels("JPEG", 4032, 3024, 1920) == 2016 * 1512  # a 12 MP phone photo: 1/2
    assert _decoded_pixels("JPEG", 1000, 800, 1920) == 1000 * 800
    assert _decoded_pixels("PNG", 4032, 3024, 1920) == 4032 * 3024


def test_photos_of_one_request_share_a_pixel_budget(settings):
    settings.PORTAL_IMAGE_REQUEST_PIXELS = 1_000_000
    from portal.images import process_uploads

    with pytest.raises(ImageRejected) as error:
        process_uploads([_png((800, 800), "RGB") for _n in range(2)])
    assert error.value.code == "images_too_big" and error.value.number is None
    assert len(process_uploads([_png((800, 800), "RGB")])) == 1


def test_refusal_names_the_photo_of_the_request():
    from portal.images import process_uploads

    uploads = [_jpeg((100, 100)), SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")]
    with pytest.raises(ImageRejected) as error:
        process_uploads(uploads)
    assert (error.value.code, error.value.number) == ("not_an_image", 2)


def test_every_photo_is_decoded_on_the_process_decoding_thread_whatever_the_request_thread(monkeypatch):
    """glibc keeps what a thread freed in that thread's malloc arena: four web
    threads decoding in turn held four images' memory (bench/uploads.py)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from portal import images

    seen = set()
    render = images._render

    def spy(probe):
        seen.add(threading.get_ident())
        return render(probe)

    monkeypatch.setattr(images, "_render", spy)
    with ThreadPoolExecutor(4) as requests:
        done = list(requests.map(lambda _n: images.process_uploads([_jpeg((300, 200)) for _m in range(3)]), range(8)))
    assert len(done) == 8 and len(seen) == 1
    assert seen.isdisjoint({threading.get_ident()})


def test_a_photo_broken_past_its_header_is_refused_in_the_language_of_the_request():
    from django.utils import translation

    whole = _jpeg((800, 600)).read()
    broken = SimpleUploadedFile("photo.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    with translation.override("en"), pytest.raises(ImageRejected) as error:
        process_upload(broken)
    assert error.value.code == "broken_image" and "damaged" in error.value.message


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA", "L", "P", "1", "I;16"])
def test_every_png_mode_is_stored_as_an_rgb_jpeg_at_the_stored_size(mode):
    processed = process_upload(_png((3000, 1500), mode))
    stored = Image.open(io.BytesIO(processed.image.read()))
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (1920, 960))
    assert (processed.width, processed.height) == (1920, 960)


def test_the_camera_orientation_is_applied_before_exif_is_dropped():
    image = Image.new("RGB", (800, 600), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show it upright
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    processed = process_upload(SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg"))
    stored = Image.open(io.BytesIO(processed.image.read()))
    assert stored.size == (600, 800) and len(stored.getexif()) == 0


PEAK_SCRIPT = """
import os, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from portal.images import process_upload

def status(key):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) // 1024 for line in lines if line.startswith(key))

data = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak (VmHWM) starts again from here
base = status("VmRSS")
process_upload(SimpleUploadedFile("photo.png", data, content_type="image/png"))
print(status("VmHWM") - base)
"""


def test_the_largest_png_accepted_costs_its_decoded_size_and_no_full_size_copy(settings, tmp_path):
    """An RGBA PNG at the decoded-pixel limit (16 M pixels, 64 MB decoded):
    shrunk band by band, the process's peak stays under 1.6 times the
    decoded size (a full-size RGBA resize made it 2.6: 165 MB)."""
    import os
    import subprocess
    import sys

    side = int(settings.PORTAL_IMAGE_MAX_DECODED_PIXELS**0.5)
    path = tmp_path / "largest.png"
    Image.new("RGBA", (side, side), (90, 120, 150, 128)).save(path)
    decoded_mb = side * side * 4 / 1_048_576
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_ENV": "development",
           "PYTHONPATH": str(settings.BASE_DIR)}
    result = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(path)], env=env, capture_output=True, text=True,
                            cwd=settings.BASE_DIR, timeout=120)
    if "PermissionError" in result.stderr or "clear_refs" in result.stderr:
        pytest.skip("this kernel does not let a process reset its peak memory")
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb = int(result.stdout.split()[-1])
    assert decoded_mb <= peak_mb < 1.6 * decoded_mb
