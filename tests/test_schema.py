"""The OpenAPI schema is generated without warnings and validates against the OpenAPI spec."""

from django.core.management import call_command


def test_schema_generates_cleanly_and_validates(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/v1/consultations/{id}/", "/api/v1/consultations/{page_id}/comments/", "/api/v1/comments/{id}/",
                 "/api/v1/me/", "/api/v1/auth/token/"):
        assert path in text, path
