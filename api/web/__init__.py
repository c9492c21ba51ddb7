"""The desk web UI (issue 15): the pages people at the one-stop desks use in a browser, served
by the same app as the API and calling the same services (`hoso.api.deps.Services`), never the
API over HTTP and never SQL.

Server-rendered Jinja2 templates, Vietnamese through a gettext catalogue (`i18n`), htmx for the
parts that update in place, and a few script files of our own; everything under `/static/`
comes from this server (desks often have no internet). Modules:

- `session`: who is logged in (`Person`, role dependencies), cookies, the CSRF guard;
- `pages`: rendering, the error page; `routing`: `page_router()` for every screen module;
- `menu`: each role's home and menu; `texts`: error codes and statuses for people;
- `login`; one module per role's screens (`station`, `officer` with `review`, `archivist`,
  `admin`).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hoso.api.web import admin, archivist, login, officer, results, review, station
from hoso.api.web.pages import STATIC, Pages, WebState
from hoso.storage.accounts import SessionLimits

STATIC_PATH = "/static"
ROUTERS = (
    login.router,
    station.router,
    officer.router,
    results.router,
    review.router,
    archivist.router,
    admin.router,
)
# for hoso.api.limits: size and stall limits
UPLOAD_ROUTES = station.UPLOAD_ROUTES + archivist.UPLOAD_ROUTES + results.UPLOAD_ROUTES


def install(app: FastAPI, limits: SessionLimits) -> None:
    """Serve the UI on `app`: its pages, its static files, its session limits."""
    app.state.web = WebState(Pages(), limits)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
