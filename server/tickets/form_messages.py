"""JSON Schema failures in the words of a person filling a form: one short sentence per field."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import ValidationError

from tenants.i18n.messages import Message

# What a value of a `format` looks like, for the sentence "not a valid ...".
FORMATS = {
    "email": Message("e-mail address (like name@school.example.org)"),
    "idn-email": Message("e-mail address (like name@school.example.org)"),
    "date": Message("date (YYYY-MM-DD, like 2026-03-31)"),
    "date-time": Message("date and time with its time zone (like 2026-03-31T14:00:00+02:00)"),
    "time": Message("time (like 14:00:00+02:00)"),
    "uri": Message("web address (like https://moodle.insa-lyon.example.org/course/42)"),
    "uuid": Message("identifier (UUID)"),
    "hostname": Message("host name (like moodle.insa-lyon.example.org)"),
    "ipv4": Message("IPv4 address"), "ipv6": Message("IPv6 address"),
}
TYPES = {"string": Message("text"), "integer": Message("a whole number"), "number": Message("a number"),
         "boolean": Message("true or false"), "array": Message("a list"), "object": Message("a group of fields"),
         "null": Message("empty")}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    joined: str = TYPES.get(str(names[0]), str(names[0]))
    for name in names[1:]:
        joined = Message("{first} or {second}", first=joined, second=TYPES.get(str(name), str(name)))
    return joined


def plain(error: ValidationError) -> str:
    """The sentence for one failure (without the field name, which the error carries)."""
    # The stubs allow "unset" for errors built by hand; the validator always sets all three.
    limit: Any = error.validator_value
    value: Any = error.instance
    kind = error.validator
    match kind:
        case "format":
            return Message("not a valid {what}: {value}", what=FORMATS.get(limit, limit), value=_shown(value))
        case "type":
            return Message("must be {type}, not {value}", type=_type_name(limit), value=_shown(value))
        case "enum":
            return Message("must be one of {values} (got {value})", values=", ".join(_shown(v) for v in limit),
                           value=_shown(value))
        case "const":
            return Message("must be {value}", value=_shown(limit))
        case "minLength":
            return Message("must not be empty") if limit == 1 else Message(
                "too short: at least {limit} characters", limit=limit)
        case "maxLength":
            return Message("too long: at most {limit} characters (got {size})", limit=limit, size=len(value))
        case "minimum":
            return Message("must be at least {limit} (got {value})", limit=limit, value=value)
        case "maximum":
            return Message("must be at most {limit} (got {value})", limit=limit, value=value)
        case "exclusiveMinimum":
            return Message("must be more than {limit} (got {value})", limit=limit, value=value)
        case "exclusiveMaximum":
            return Message("must be less than {limit} (got {value})", limit=limit, value=value)
        case "minItems":
            return Message("choose at least {limit}", limit=limit)
        case "maxItems":
            return Message("choose at most {limit}", limit=limit)
        case "uniqueItems":
            return Message("lists the same value twice")
        case "pattern":
            return Message("does not have the expected form: {value}", value=_shown(value))
    return error.message
