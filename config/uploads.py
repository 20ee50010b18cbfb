"""Editors' document uploads (the Wagtail admin), checked by content and size.

Wagtail already allows only the extensions in WAGTAILDOCS_EXTENSIONS and serves documents as
attachments with `nosniff` and a `default-src 'none'` policy. This adds what the extension
cannot tell: a file is what its name says (a PDF starts like one, office files are zip
archives, text is UTF-8 and not markup), and it is not larger than RAYZAN_MAX_DOCUMENT_BYTES.
Images are checked by Wagtail itself (their format is read from the content; no SVG).
"""

import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

ZIP_MAGIC = b"PK\x03\x04"
SIGNATURES = {"pdf": (b"%PDF-",), "docx": (ZIP_MAGIC,), "xlsx": (ZIP_MAGIC,), "odt": (ZIP_MAGIC,)}
TEXT_EXTENSIONS = frozenset({"csv", "txt"})
# The start of a document a browser could take for a page or an image with script.
MARKUP_START = re.compile(rb"^\s*<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)", re.IGNORECASE)
SNIFF_BYTES = 8192


def content_problem(name: str, head: bytes) -> str:
    """Why a file's first bytes do not match its extension; "" when they do."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in SIGNATURES and not head.startswith(SIGNATURES[extension]):
        return _("This file is not a real %(type)s file.") % {"type": extension.upper()}
    if extension in TEXT_EXTENSIONS:
        text = head.removeprefix(b"\xef\xbb\xbf")
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(text) - 4:  # a character cut at the sniffing limit is fine
                return _("A text file must be UTF-8 text.")
        if MARKUP_START.match(text):
            return _("Web pages and markup cannot be uploaded as documents.")
    return ""


class CheckedDocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload or "file" not in self.changed_data:
            return upload
        limit = settings.RAYZAN_MAX_DOCUMENT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(_("This file is %(size)s; documents may be at most %(limit)s.")
                                        % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)})
        position = upload.tell()
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(position)
        problem = content_problem(upload.name, head)
        if problem:
            raise forms.ValidationError(problem)
        return upload
