"""Signing in to the console through a realm in Chromium: authorization code with PKCE, the token
renewed silently with the refresh token before it expires, and logout."""

from __future__ import annotations

from pathlib import Path

from tests.support.realm_login import LoginRealmServer
from tests.web.console_tools import CHROMIUM, groupdesk_process, require_browser, run_npm


def test_a_person_signs_in_through_the_realm_is_renewed_silently_and_signs_out(tmp_path: Path) -> None:
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
            result = run_npm("run", "e2e", "--", "e2e/sign-in.spec.ts", "--reporter=line", env=env, timeout=300)
        assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
        assert realms.refresh_grants >= 1, "the access token was never renewed"
