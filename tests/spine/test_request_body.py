"""Request bodies are read by orjson, with the standard library's answers: same values, same refusals."""

from __future__ import annotations

import json

import pytest

from schema.request_body import BadRequestBody, loads

BODIES = [
    b'{"query": "{ viewer { roles } }", "variables": {"n": 20, "f": 1.5, "t": "caf\\u00e9", "z": null}}',
    b'{"variables": {"big": 123456789012345678901234567890, "neg": -9223372036854775809}}',
    b'{"variables": {"x": NaN, "y": -Infinity}}',
    '{"query": "{ tickets(first: 12345678901234567890) { totalCount } }"}'.encode(),
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_reads_as_the_standard_library_reads_it(body: bytes) -> None:
    expected = json.loads(body.decode())
    found = loads(body, max_depth=64)
    assert json.dumps(found) == json.dumps(expected)  # NaN compares unequal to itself
    assert json.dumps(loads(body.decode(), max_depth=64)) == json.dumps(expected)  # GET's text alike


@pytest.mark.parametrize(("body", "words"), [
    (b'{"query": "\xff"}', "is not valid UTF-8 (byte 11)"),
    (b'{"query": ', "is not valid JSON: Expecting value"),
    (b"[" * 5000 + b"]" * 5000, "is nested deeper than 64 levels"),
])
def test_a_body_refused_says_why_as_before(body: bytes, words: str) -> None:
    with pytest.raises(BadRequestBody) as refused:
        loads(body, max_depth=64)
    assert words in refused.value.message
