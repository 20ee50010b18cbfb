"""Roles as groups: citizen, moderator, official, editor, admin.

Editors get the Wagtail admin and may add, edit and publish pages and manage topics and
regions; the other roles' powers are object rules (consult/rules.py and later apps')."""

from django.db import migrations

ROLES = ["citizen", "moderator", "official", "editor", "admin"]
EDITOR_MODEL_PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("cms", "topic", "add_topic"), ("cms", "topic", "change_topic"),
    ("cms", "region", "add_region"), ("cms", "region", "change_region"),
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    for app_label, model, codename in EDITOR_MODEL_PERMISSIONS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")})
        groups["editor"].permissions.add(permission)
        groups["admin"].permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0002_consultationpage_polls_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0006_formstate"),
        ("cms", "0002_content_locales"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
