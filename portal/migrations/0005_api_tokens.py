"""API tokens move to django-rest-knox (portal.ApiToken: hashed, expiring,
scoped). DRF's authtoken tokens were stored in plain text and never expired:
they are revoked by dropping their table, and the app's migration records and
permissions go with it (rest_framework.authtoken is no longer installed)."""

import datetime
import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0004_verified_contacts_unique'),
        # knox's own migrations create knox_authtoken although the model is
        # swapped for portal.ApiToken; it is dropped below, after them.
        ('knox', '0009_extend_authtoken_field'),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token CASCADE",
                "DROP TABLE IF EXISTS knox_authtoken CASCADE",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
                "DELETE FROM auth_permission WHERE content_type_id IN"
                " (SELECT id FROM django_content_type WHERE app_label = 'authtoken')",
                "DELETE FROM django_content_type WHERE app_label = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('name', models.CharField(max_length=64, verbose_name='名称')),
                ('scope', models.CharField(choices=[('read', '只读'), ('read_write', '读写')], default='read', max_length=16, verbose_name='权限范围')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='最近使用')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API 令牌',
                'verbose_name_plural': 'API 令牌',
                'ordering': ['-created'],
                'constraints': [models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='api_token_has_name'), models.CheckConstraint(condition=models.Q(('scope__in', ['read', 'read_write'])), name='api_token_scope_known'), models.CheckConstraint(condition=models.Q(('expiry__isnull', False), ('expiry__lte', django.db.models.expressions.CombinedExpression(models.F('created'), '+', models.Value(datetime.timedelta(days=90))))), name='api_token_expires_within_90_days')],
            },
        ),
    ]
