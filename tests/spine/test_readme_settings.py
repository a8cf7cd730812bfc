"""Every setting is documented: the README's configuration table names each GROUPDESK_ variable."""

from __future__ import annotations

import re
from pathlib import Path

from server.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_has_a_row_in_the_readme_configuration_table() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration"):]
    section = section[:section.index("\n## ", 1)]
    documented = set(re.findall(r"`(GROUPDESK_[A-Z0-9_]+)`", section))
    settings = {f"GROUPDESK_{name.upper()}" for name in Settings.model_fields}
    assert sorted(settings - documented) == []
