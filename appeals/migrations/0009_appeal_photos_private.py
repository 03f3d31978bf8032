"""Appeal photos become private files: stored under PRIVATE_MEDIA_ROOT, out of
the publicly served MEDIA_ROOT; photos already uploaded are moved there."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import appeals.models
import portal.media


def move_photos_out_of_public_media(apps, schema_editor):
    public, private = Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)
    AppealPhoto = apps.get_model("appeals", "AppealPhoto")
    for image, thumbnail in AppealPhoto.objects.values_list("image", "thumbnail").iterator():
        for name in (image, thumbnail):
            source, target = public / name, private / name
            if name and source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(source, target)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0008_weekly_stats"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appealphoto",
            name="image",
            field=models.ImageField(height_field="height", storage=portal.media.private_storage, upload_to=appeals.models.photo_path, width_field="width"),
        ),
        migrations.AlterField(
            model_name="appealphoto",
            name="thumbnail",
            field=models.ImageField(storage=portal.media.private_storage, upload_to=appeals.models.photo_path),
        ),
        migrations.RunPython(move_photos_out_of_public_media, migrations.RunPython.noop),
    ]
