"""Moderators, editors and admins keep the blocked-terms list in the Wagtail admin."""

from django.db import migrations

GRANTS = {
    "moderator": [("wagtailadmin", "admin", "access_admin"), ("moderation", "blockedterm", "add_blockedterm"),
                  ("moderation", "blockedterm", "change_blockedterm"),
                  ("moderation", "blockedterm", "delete_blockedterm")],
    "editor": [("moderation", "blockedterm", "add_blockedterm"), ("moderation", "blockedterm", "change_blockedterm"),
               ("moderation", "blockedterm", "delete_blockedterm")],
}
GRANTS["admin"] = GRANTS["moderator"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for role, permissions in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, model, codename in permissions:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": codename.replace("_", " ")})
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_screening_and_audit_log"), ("consult", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
