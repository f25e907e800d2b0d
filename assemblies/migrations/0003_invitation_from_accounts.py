"""Invitations move here from accounts, next to AssemblyMembership. The table keeps its name
(``accounts_invitation``): only the model state moves, and the content type (with its
permissions and past audit events' targets) is renamed to ``assemblies.invitation``."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor, old="accounts", new="assemblies"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="invitation").exists():
        ContentType.objects.filter(app_label=old, model="invitation").update(app_label=new)


def content_type_back(apps, schema_editor):
    content_type_move(apps, schema_editor, old="assemblies", new="accounts")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitation_moved_to_assemblies"),
        ("assemblies", "0002_registrant_form_email_unique"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254)),
                        ('role', models.CharField(choices=[('manager', 'Manager'), ('caller', 'Caller'), ('viewer', 'Viewer')], default='viewer', max_length=16)),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('expires_at', models.DateTimeField()),
                        ('accepted_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='invitations_accepted', to=settings.AUTH_USER_MODEL)),
                        ('assembly', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='assemblies.assembly')),
                        ('invited_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='invitations_sent', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_invitation',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('role__in', ['manager', 'caller', 'viewer'])), name='accounts_invitation_role_valid'), models.CheckConstraint(condition=models.Q(('accepted_at__isnull', True), ('revoked_at__isnull', True), _connector='OR'), name='accounts_invitation_not_accepted_and_revoked'), models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('created_at'))), name='accounts_invitation_expires_after_creation')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_move, content_type_back),
    ]
