"""The console's component tests (Vitest) pass."""

from __future__ import annotations

import pytest

from tests.web.console_tools import require_packages, run_npm


@pytest.mark.long
def test_the_console_components_pass_their_vitest_suite() -> None:
    require_packages()
    result = run_npm("test", "--", "--reporter=dot")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
