"""Form failures read as plain sentences per field, saying what is expected and what was given."""

from __future__ import annotations

from server.tickets.forms import form_errors

FORM = {
    "type": "object",
    "required": ["email", "until"],
    "properties": {
        "email": {"title": "Collaborator's e-mail", "type": "string", "format": "email"},
        "until": {"title": "Valid until", "type": "string", "format": "date"},
        "seats": {"title": "Seats", "type": "integer", "minimum": 1, "maximum": 40},
        "platform": {"title": "Platform", "enum": ["moodle", "scenari"]},
        "note": {"title": "Note", "type": "string", "maxLength": 5},
        "url": {"title": "Page", "type": "string", "format": "uri"},
    },
}


def _messages(data: dict) -> dict[str, str]:
    return {e.field: e.message for e in form_errors(FORM, data)}


def test_each_field_gets_a_sentence_in_plain_words() -> None:
    messages = _messages({"email": "not-an-email", "until": "next week", "seats": 0,
                          "platform": "teams", "note": "far too long", "url": "no scheme"})
    assert messages == {
        "requestData.email": "Collaborator's e-mail: not a valid e-mail address "
                             "(like name@school.example.org): 'not-an-email'",
        "requestData.until": "Valid until: not a valid date (YYYY-MM-DD, like 2026-03-31): 'next week'",
        "requestData.seats": "Seats: must be at least 1 (got 0)",
        "requestData.platform": "Platform: must be one of 'moodle', 'scenari' (got 'teams')",
        "requestData.note": "Note: too long: at most 5 characters (got 12)",
        "requestData.url": "Page: not a valid web address "
                           "(like https://moodle.insa-lyon.example.org/course/42): 'no scheme'",
    }


def test_a_wrong_type_names_the_expected_kind_of_value() -> None:
    messages = _messages({"email": "a@b.example.org", "until": "2026-03-31", "seats": "three"})
    assert messages == {"requestData.seats": "Seats: must be a whole number, not 'three'"}


def test_no_jsonschema_jargon_reaches_the_caller() -> None:
    messages = _messages({"email": "not-an-email", "until": 5})
    assert all("is not a '" not in m and "is not of type" not in m for m in messages.values())
