"""The console in Chromium against a real groupdesk process (Playwright), with axe on every page:

- the story (web/e2e/story.spec.ts): a school agent opens a request, an expert at another school
  works it, the agent closes it, a manager approves another one, a second school never sees it;
- signing in through a realm (web/e2e/sign-in.spec.ts): authorization code with PKCE, a silent
  renewal by refresh token, logout;
- a group administrator's pages (web/e2e/admin.spec.ts): the dashboard's figures equal to the API's
  answer for the same period, a sub-service created with its service levels, a school's desk
  configured then checked, a person moved to another school.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.realm_login import LoginRealmServer
from tests.web.console_tools import CHROMIUM, ROOT, groupdesk_process, require_browser, run_npm


@pytest.mark.long
def test_the_console_story_and_sign_in_run_in_a_real_browser(tmp_path: Path) -> None:
    require_browser()
    with LoginRealmServer() as realms:
        realm = realms.add_realm("insa")
        # oidc-client-ts renews a minute before expiry: a 70 s token is renewed within seconds.
        realm.lifetime = 70
        realm.add_client("groupdesk-portal")
        realm.add_user("camille.sso", "correct horse", realm_roles=("school-agent",), organization=["insa-lyon"],
                       first_name="Camille", last_name="Sauvignac", email="camille.sauvignac@insa-lyon.example.org")
        with groupdesk_process(tmp_path, OIDC_SERVER_URL=realms.url, OIDC_REALMS="insa") as url:
            env = {"GROUPDESK_E2E_URL": url, "GROUPDESK_E2E_CHROMIUM": str(CHROMIUM)}
            if os.environ.get("GROUPDESK_E2E_SCREENSHOTS"):
                env["GROUPDESK_E2E_SCREENSHOTS"] = str(ROOT / "docs")
            result = run_npm("run", "e2e", "--", "--reporter=line", env=env, timeout=600)
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
        assert realms.refresh_grants >= 1, "the access token was never renewed"
