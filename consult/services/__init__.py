"""Writes for consult, one module per subject; keyword-only arguments, `actor` first.

Every write path (HTML form, REST API, WebSocket) calls these, so they cannot diverge:
permission (user.has_perm), validation, rate limits and the write itself happen here.
"""

from consult.services.comments import comment_create, comment_edit, comment_withdraw
from consult.services.pages import page_publish_child, page_translation_create, page_update_and_publish

__all__ = [
    "comment_create",
    "comment_edit",
    "comment_withdraw",
    "page_publish_child",
    "page_translation_create",
    "page_update_and_publish",
]

# Statements (consult content; votes on them are voting's).
from consult.services.statements import statement_create, statements_sync_seeds

__all__ += ["statement_create", "statements_sync_seeds"]
