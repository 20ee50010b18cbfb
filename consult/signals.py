"""Keep the public search index, and the live stream's official responses, in step with
publishing (consult's own pages only); and close a person's live sockets when their sign-in
ends, so no socket keeps acting for a session that is gone (consult.sockets)."""

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.signals import authenticator_removed
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from consult import search, sockets
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
