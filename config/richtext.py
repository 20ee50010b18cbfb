"""Editors' rich text goes through the same sanitiser as citizens' text (consult.sanitize).

Wagtail's editor already keeps to its features, but rich text also arrives through importers,
the shell and the API of later tools. So every save of a model holding rich text is cleaned:
RichTextFields, RichTextBlocks at any depth of a StreamField, and the page drafts (revisions)
that previews and publishing read. Wired here, in config, because cms may not import consult.
"""

import json
from functools import cache

from wagtail.blocks import ListBlock, RichTextBlock, StreamBlock, StructBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Revision

from consult.sanitize import sanitise_rich_text


@cache
def rich_fields(model) -> tuple[tuple[RichTextField, ...], tuple[StreamField, ...]]:
    fields = model._meta.concrete_fields
    return (tuple(f for f in fields if isinstance(f, RichTextField)),
            tuple(f for f in fields if isinstance(f, StreamField) and _holds_rich_text(f.stream_block)))


def _holds_rich_text(block) -> bool:
    if isinstance(block, RichTextBlock):
        return True
    if isinstance(block, StreamBlock | StructBlock):
        return any(_holds_rich_text(child) for child in block.child_blocks.values())
    if isinstance(block, ListBlock):
        return _holds_rich_text(block.child_block)
    return False


def clean_stream_data(block, data):
    """A StreamField's stored data (lists and dicts of JSON) with each rich text cleaned."""
    if isinstance(block, RichTextBlock):
        return sanitise_rich_text(data) if isinstance(data, str) else data
    if isinstance(block, StreamBlock) and isinstance(data, list):
        return [_clean_child(block.child_blocks.get(item.get("type")), item) for item in data]
    if isinstance(block, StructBlock) and isinstance(data, dict):
        return {name: clean_stream_data(block.child_blocks[name], value) if name in block.child_blocks else value
                for name, value in data.items()}
    if isinstance(block, ListBlock) and isinstance(data, list):
        return [_clean_child(block.child_block, item) if isinstance(item, dict) and "value" in item and "type" in item
                else clean_stream_data(block.child_block, item) for item in data]
    return data


def _clean_child(child_block, item):
    if child_block is None or not isinstance(item, dict):
        return item
    return {**item, "value": clean_stream_data(child_block, item.get("value"))}


def _stored_stream(field, value):
    """The field's value as stored data, whatever form the instance holds it in."""
    prepared = field.get_prep_value(value)
    if isinstance(prepared, str):
        prepared = json.loads(prepared) if prepared else []
    return prepared


def clean_instance(instance, update_fields=None) -> None:
    text_fields, stream_fields = rich_fields(type(instance))
    for field in text_fields:
        if update_fields is not None and field.name not in update_fields:
            continue
        value = getattr(instance, field.attname)
        if value:
            cleaned = sanitise_rich_text(value)
            if cleaned != value:
                setattr(instance, field.attname, cleaned)
    for field in stream_fields:
        if update_fields is not None and field.name not in update_fields:
            continue
        stored = _stored_stream(field, getattr(instance, field.attname))
        cleaned = clean_stream_data(field.stream_block, stored)
        if cleaned != stored:
            setattr(instance, field.attname, cleaned)


def clean_revision(revision: Revision) -> None:
    model = revision.content_type.model_class() if revision.content_type_id else None
    if model is None or not isinstance(revision.content, dict):
        return
    text_fields, stream_fields = rich_fields(model)
    content = revision.content
    for field in text_fields:
        if isinstance(content.get(field.name), str):
            content[field.name] = sanitise_rich_text(content[field.name])
    for field in stream_fields:
        value = content.get(field.name)
        if isinstance(value, str):  # revisions keep StreamField data as a JSON string
            content[field.name] = json.dumps(clean_stream_data(field.stream_block, json.loads(value or "[]")))
        elif isinstance(value, list):
            content[field.name] = clean_stream_data(field.stream_block, value)


def clean_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save receiver for every model: cheap for models without rich text (cached lookup)."""
    if raw:  # loaddata: fixtures are stored as given
        return
    if isinstance(instance, Revision):
        clean_revision(instance)
    else:
        clean_instance(instance, update_fields=update_fields)
