"""GraphiQL that works offline: its scripts and styles come from installed packages, never from a CDN.

The page is ours (strawberry's loads React and GraphiQL from unpkg): it loads GraphiQL 2 and React 17
from the `graphene-django-graphiql-static` wheel, which ships them as package data (only the files
are used, nothing of Django), and starts them with our own script, served from this package.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSET_PACKAGE = ("graphene_django_graphiql_static", "static/graphene_django_graphiql_static")
OWN_ASSETS = ("schema", "graphiql_static")
STATIC_PATH = "/graphiql/static"

# Subresource Integrity of the vendored files, pinned: the React files are byte for byte React 17.0.2
# as npm publishes it. A package release that changes a file stops the page from loading it (and fails
# the tests) until someone has looked at the change and pinned the new hash.
VENDORED_STYLES = {"graphiql.min.css": "sha256-xs1Lg/AcXh/0l113vJVxhNzm3sAVX7+cxNkZDrqKe50="}
VENDORED_SCRIPTS = {
    "react.production.min.js": "sha256-Ipu/TQ50iCCVZBUsZyNJfxrDk0E2yhaEIz0vqI+kFG8=",
    "react-dom.production.min.js": "sha256-nbMykgB6tsOFJ7OdVmPpdqMFVk4ZsqWocT6issAPUF0=",
    "graphiql.min.js": "sha256-xWTeBbldGE4sW6XOryY1gh9r+S8tV3e3TZEAT/a1kdE=",
}
OWN_STYLE = "groupdesk-graphiql.css"
OWN_SCRIPT = "groupdesk-graphiql.js"

# Everything from this server and nothing inline: no script from elsewhere can run in the page that
# holds a bearer token. connect-src 'self' covers the page's own ws:// and wss:// too.
GRAPHIQL_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'")


def graphiql_assets() -> Mount:
    """The route serving the page's files from the installed packages."""
    return Mount(STATIC_PATH, app=StaticFiles(packages=[ASSET_PACKAGE, OWN_ASSETS]), name="graphiql-static")


def _asset(name: str) -> str:
    # Relative to /graphql, so that the page also works under a path prefix (a proxy's root_path).
    return escape(f"{STATIC_PATH.lstrip('/')}/{name}")


def graphiql_page() -> str:
    styles = [f'<link rel="stylesheet" href="{_asset(name)}" integrity="{sri}">'
              for name, sri in VENDORED_STYLES.items()]
    styles.append(f'<link rel="stylesheet" href="{_asset(OWN_STYLE)}">')
    scripts = [f'<script src="{_asset(name)}" integrity="{sri}"></script>'
               for name, sri in VENDORED_SCRIPTS.items()]
    scripts.append(f'<script src="{_asset(OWN_SCRIPT)}"></script>')
    return "\n".join([
        "<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        "<title>groupdesk GraphiQL</title>", *styles, "</head>", "<body>",
        '<div id="graphiql">Loading GraphiQL...</div>', *scripts, "</body>", "</html>", ""])


PAGE = graphiql_page()


def render_graphiql() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": GRAPHIQL_CSP})
