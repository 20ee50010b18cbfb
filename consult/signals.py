"""Keep the public search index, and the live stream's official responses, in step with
publishing (consult's own pages only); forget cached roles when groups change; and close a
person's live sockets when their sign-in ends, so no socket keeps acting for a session that is
gone (consult.sockets)."""

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.signals import authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, pre_delete, pre_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from consult import roles, search, sockets
from consult.models import ConsultationPage
from consult.services import live


@receiver(page_published)
def index_published_page(sender, instance, **kwargs):
    search.index_page(instance.specific)


@receiver(page_published)
def announce_official_response(sender, instance, **kwargs):
    page = instance.specific
    if isinstance(page, ConsultationPage):
        live.response_published(page)


@receiver(page_unpublished)
def unindex_unpublished_page(sender, instance, **kwargs):
    search.remove_page(instance)


@receiver(post_delete)
def unindex_deleted_page(sender, instance, **kwargs):
    if sender in search.indexed_page_types():
        search.remove_page(instance)


@receiver(user_logged_out)
@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
@receiver(authenticator_removed)
def end_live_sign_in(sender, user=None, **kwargs):
    """Signed out, or the credentials behind other sessions changed: the person's sockets
    reconnect and authenticate again (a staff account that dropped its authenticator app is
    then anonymous there, see config.security)."""
    if user is not None and user.pk is not None:
        sockets.sign_in_ended(user.pk)


# --- cached roles (consult.roles) --------------------------------------------------------

@receiver(m2m_changed, sender=get_user_model().groups.through)
def forget_roles_of_changed_memberships(sender, instance, action, reverse, pk_set, **kwargs):
    """user.groups.add/remove/set/clear and group.user_set.… alike. A clear names nobody in
    `pk_set`, so the people it removes are read before it runs."""
    if action == "pre_clear":
        instance._rayzan_cleared_members = (
            [instance.pk] if not reverse else list(instance.user_set.values_list("pk", flat=True)))
    elif action == "post_clear":
        roles.forget_roles(getattr(instance, "_rayzan_cleared_members", []))
    elif action in {"post_add", "post_remove"}:
        roles.forget_roles((pk_set or []) if reverse else [instance.pk])


@receiver(pre_save, sender=Group)
@receiver(pre_delete, sender=Group)
def forget_roles_of_group_members(sender, instance, **kwargs):
    """A renamed or deleted group changes the roles of everyone in it."""
    if instance.pk is not None:
        roles.forget_roles(Group.objects.filter(pk=instance.pk).values_list("user__pk", flat=True)
                           .exclude(user__pk=None))
