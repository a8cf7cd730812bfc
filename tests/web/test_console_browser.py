"""The console's end-to-end story in Chromium against a real groupdesk process (Playwright): a school
agent opens a request, an expert at another school works it, the agent closes it, a manager approves
another one, a second school never sees it, and axe finds no serious or critical violation."""

from __future__ import annotations

import os
from pathlib import Path

from tests.web.console_tools import CHROMIUM, ROOT, groupdesk_process, require_browser, run_npm


def test_the_school_and_expert_story_runs_in_a_real_browser(tmp_path: Path) -> None:
    require_browser()
    with groupdesk_process(tmp_path) as url:
        env = {"GROUPDESK_E2E_URL": url, "GROUPDESK_E2E_CHROMIUM": str(CHROMIUM)}
        if os.environ.get("GROUPDESK_E2E_SCREENSHOTS"):
            env["GROUPDESK_E2E_SCREENSHOTS"] = str(ROOT / "docs")
        result = run_npm("run", "e2e", "--", "e2e/story.spec.ts", "--reporter=line", env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
