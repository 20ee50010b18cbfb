"""Importers that turn published draft texts into ConsultationPages.

- `consult.importers.fr_xml`: US Federal Register proposed rules in GPO's FR-XML.
- `consult.importers.udhr`: the Universal Declaration of Human Rights (Persian + English, linked).

Both are idempotent (a re-import updates the page with a new revision) and give every section a
deterministic StreamField block id (a UUID5 of the document and the section), so comments anchored
to a section survive a re-import of the same text.
"""

import uuid

# Fixed namespace for the UUID5 block ids of imported sections: never change it, or re-imports would
# give every section a new id and orphan the comments anchored to the old ones.
SECTION_ID_NAMESPACE = uuid.UUID("6f1c8e64-3a5e-4d52-9a63-3f0f8f8f2a11")


class DraftImportError(ValueError):
    """The input cannot be imported (missing, unreadable or not the expected format)."""


def section_block_id(key: str) -> str:
    return str(uuid.uuid5(SECTION_ID_NAMESPACE, key))


def section_stream(sections: list[tuple[str, str, str]]) -> list[dict]:
    """Raw StreamField data for `ConsultationPage.sections` from (block id, heading, body html)."""
    return [
        {"type": "section", "id": block_id, "value": {"heading": heading, "body": body}}
        for block_id, heading, body in sections
    ]
