"""Every reveal of a resident's contact states why (issue 14): a required
reason (rows logged before it say so), and indexes for the organisers'
audit page."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0009_appeal_photos_private"),
        ("portal", "0002_user_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="contactview",
            name="reason",
            field=models.CharField(default="（上线前的查看，未填写原因）", max_length=200, verbose_name="查看原因"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="contactview",
            name="appeal",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="contact_views",
                                    to="appeals.appeal", verbose_name="诉求"),
        ),
        migrations.AlterField(
            model_name="contactview",
            name="via",
            field=models.CharField(max_length=16, verbose_name="途径"),
        ),
        migrations.AlterField(
            model_name="contactview",
            name="viewed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="查看时间"),
        ),
        migrations.AlterField(
            model_name="contactview",
            name="viewer",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to=settings.AUTH_USER_MODEL, verbose_name="查看人"),
        ),
        migrations.AlterField(
            model_name="contactview",
            name="viewer_unit",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="portal.unit", verbose_name="查看人单位"),
        ),
        migrations.AddIndex(
            model_name="contactview",
            index=models.Index(fields=["-viewed_at", "-id"], name="appeals_contactview_recent"),
        ),
        migrations.AddIndex(
            model_name="contactview",
            index=models.Index(fields=["viewer_unit", "-viewed_at"], name="appeals_contactview_unit"),
        ),
        migrations.AddConstraint(
            model_name="contactview",
            constraint=models.CheckConstraint(condition=~models.Q(reason__regex="^\\s*$"),
                                              name="appeals_contactview_has_reason"),
        ),
    ]
