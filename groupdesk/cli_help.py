"""Examples shown at the end of every `groupdesk ... --help`: the command as people actually type it."""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLES: dict[str, list[str]] = {
    "groupdesk": [
        "make run                                   # the demo on SQLite, GraphiQL on :8000",
        "groupdesk migrate && groupdesk load tenants/federations/insa.yaml && groupdesk serve",
    ],
    "serve": ["groupdesk serve", "GROUPDESK_PORT=8080 groupdesk serve",
              "groupdesk serve --host 0.0.0.0 --port 8080",
              "groupdesk serve --workers 2   # two processes, one scheduler"],
    "worker": ["GROUPDESK_BROKER_URL=redis://127.0.0.1:6379/0 groupdesk worker --threads 4"],
    "check-desk": ["groupdesk check-desk insa-lyon"],
    "migrate": ["groupdesk migrate            # upgrade to the latest revision",
                "groupdesk migrate --status   # where the database stands, changes nothing",
                "groupdesk migrate -1         # undo the last revision"],
    "load": ["groupdesk load tenants/federations/insa.yaml",
             "groupdesk load federation.yaml --dry-run   # validate and report, write nothing",
             "groupdesk load tenants/federations/insa.yaml --demo-tickets   # development only"],
    "catalog": ["groupdesk catalog sync tenants/federations/insa.yaml"],
    "sync": ["groupdesk catalog sync tenants/federations/insa.yaml",
             "groupdesk catalog sync https://intranet.groupe-insa.example.org/catalogue.yaml --deactivate-missing",
             "groupdesk catalog sync federation.yaml --dry-run   # report, change nothing",
             "GROUPDESK_CATALOG_ITOP_TOKEN=... groupdesk catalog sync itop+https://itop.groupe-insa.example.org"],
    "token": ["groupdesk token amandine.roclerc",
              "TOKEN=$(groupdesk token amandine.roclerc)",
              "curl -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\",
              "     -d '{\"query\": \"{ viewer { user { displayName } } }\"}' http://127.0.0.1:8000/graphql"],
    "api-token": ["groupdesk api-token create --tenant insa-lyon --name 'iTop production'",
                  "groupdesk api-token list --tenant insa-lyon", "groupdesk api-token revoke 3"],
    "create": ["TOKEN=$(groupdesk api-token create --tenant insa-lyon --name 'iTop production')",
               "groupdesk api-token create --tenant insa-lyon --name 'Entra ID' --purpose scim"],
    "list": ["groupdesk api-token list", "groupdesk api-token list --tenant insa-rennes"],
    "stats": ["groupdesk stats rollup"],
    "rollup": ["groupdesk stats rollup                  # every complete day not yet rolled up",
               "groupdesk stats rollup --days-per-step 7   # smaller transactions"],
    "revoke": ["groupdesk api-token revoke 3   # the ID column of `groupdesk api-token list`"],
}


def examples(command: str) -> dict[str, Any]:
    """Keyword arguments for `add_parser`/`ArgumentParser`: the examples as an epilog, kept as typed."""
    lines = "\n".join(f"  {line}" for line in EXAMPLES[command])
    return {"epilog": f"examples:\n{lines}", "formatter_class": argparse.RawDescriptionHelpFormatter}
