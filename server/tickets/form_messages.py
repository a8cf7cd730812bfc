"""JSON Schema failures in the words of a person filling a form: one short sentence per field."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import ValidationError

# What a value of a `format` looks like, for the sentence "not a valid ...".
FORMATS = {
    "email": "e-mail address (like name@school.example.org)",
    "idn-email": "e-mail address (like name@school.example.org)",
    "date": "date (YYYY-MM-DD, like 2026-03-31)",
    "date-time": "date and time with its time zone (like 2026-03-31T14:00:00+02:00)",
    "time": "time (like 14:00:00+02:00)",
    "uri": "web address (like https://moodle.insa-lyon.example.org/course/42)",
    "uuid": "identifier (UUID)",
    "hostname": "host name (like moodle.insa-lyon.example.org)",
    "ipv4": "IPv4 address", "ipv6": "IPv6 address",
}
TYPES = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
         "array": "a list", "object": "a group of fields", "null": "empty"}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(TYPES.get(str(n), str(n)) for n in names)


def plain(error: ValidationError) -> str:
    """The sentence for one failure (without the field name, which the error carries)."""
    # The stubs allow "unset" for errors built by hand; the validator always sets all three.
    limit: Any = error.validator_value
    value: Any = error.instance
    kind = error.validator
    match kind:
        case "format":
            return f"not a valid {FORMATS.get(limit, limit)}: {_shown(value)}"
        case "type":
            return f"must be {_type_name(limit)}, not {_shown(value)}"
        case "enum":
            return "must be one of " + ", ".join(_shown(v) for v in limit) + f" (got {_shown(value)})"
        case "const":
            return f"must be {_shown(limit)}"
        case "minLength":
            return "must not be empty" if limit == 1 else f"too short: at least {limit} characters"
        case "maxLength":
            return f"too long: at most {limit} characters (got {len(value)})"
        case "minimum":
            return f"must be at least {limit} (got {value})"
        case "maximum":
            return f"must be at most {limit} (got {value})"
        case "exclusiveMinimum":
            return f"must be more than {limit} (got {value})"
        case "exclusiveMaximum":
            return f"must be less than {limit} (got {value})"
        case "minItems":
            return f"choose at least {limit}"
        case "maxItems":
            return f"choose at most {limit}"
        case "uniqueItems":
            return "lists the same value twice"
        case "pattern":
            return f"does not have the expected form: {_shown(value)}"
    return error.message
