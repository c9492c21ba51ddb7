"""The API's interactive documentation, served entirely by this server.

Desks often have no internet, and a page that pulls Swagger UI from a public CDN is also a
page that runs someone else's script next to a bearer token. Swagger UI's files come from the
`swagger-ui-bundle` package; the start-up script is a file of ours (`static/docs-init.js`), so the
page needs no inline script.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/api/v1/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
OWN_STATIC = Path(__file__).resolve().parent / "static"

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hoso API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{DOCS_PATH}/own/docs-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve the docs page and its assets (create the app with `docs_url=None`)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), "docs-assets")
    app.mount(f"{DOCS_PATH}/own", StaticFiles(directory=OWN_STATIC), "docs-own")

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)
