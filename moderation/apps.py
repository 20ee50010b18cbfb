from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self):
        from django.core.cache import cache
        from django.db.models.signals import post_delete, post_save

        from moderation.models import ModeratorAssignment
        from moderation.rules import assignments_key

        def forget_assignments(sender, instance, **kwargs):
            cache.delete(assignments_key(instance.user_id))

        post_save.connect(forget_assignments, sender=ModeratorAssignment, weak=False,
                          dispatch_uid="moderation.forget_assignments.save")
        post_delete.connect(forget_assignments, sender=ModeratorAssignment, weak=False,
                            dispatch_uid="moderation.forget_assignments.delete")
