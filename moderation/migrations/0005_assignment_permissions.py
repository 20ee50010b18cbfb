"""Editors and admins name each consultation's or roundtable's moderators in the Wagtail admin."""

from django.db import migrations

CODENAMES = ["add_moderatorassignment", "change_moderatorassignment", "delete_moderatorassignment",
             "view_moderatorassignment"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="moderation", model="moderatorassignment")
    for role in ("editor", "admin"):
        group, _ = Group.objects.get_or_create(name=role)
        for codename in CODENAMES:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")})
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_decisions_appeals_sanctions")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
