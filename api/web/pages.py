"""Rendering the desk UI's pages: one Jinja2 environment with the Vietnamese catalogue, the date
filter, and what every page's layout needs (the person, their menu, the CSRF token).

Templates are autoescaped HTML (`templates/`, one folder per role's screens) and run under a
policy that allows no inline script: behaviour lives in files under `/static/` and htmx
attributes. `StrictUndefined` makes a misspelt variable an error in the tests, not an empty
cell in front of a citizen.
"""

from __future__ import annotations

import gettext as gettext_module
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from hoso.api.web.i18n import N_, format_moment, load_translations
from hoso.api.web.menu import menu_for
from hoso.api.web.texts import (
    BATCH_STATUS_TEXTS,
    DOCUMENT_STATUS_TEXTS,
    EVENT_TEXTS,
    OUTCOME_TEXTS,
    ROLE_TEXTS,
    code_text,
    field_problems,
    page_warnings,
    pages_to_rescan,
)
from hoso.storage.accounts import SessionLimits

if TYPE_CHECKING:
    from hoso.api.web.session import Person

WEB = Path(__file__).resolve().parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
ERROR_TITLES = {
    401: N_("Log in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not possible now"),
    413: N_("File too large"),
    422: N_("Not valid"),
    429: N_("Too many attempts"),
}
OTHER_ERROR = N_("Error")


class Pages:
    """The templates and the catalogue, loaded once per app."""

    def __init__(self) -> None:
        self.translations = load_translations()
        self.translations.add_fallback(_NotInCatalogue())
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            self._template_gettext, self._template_ngettext, newstyle=True
        )
        self.env.filters["moment"] = format_moment
        # Texts of the service's words, translated here (plain strings, so autoescaped: a
        # warning hoso does not know is shown as the worker wrote it, never as markup).
        self.env.globals.update(
            code_text=lambda code: self.gettext(code_text(code)),
            document_status_text=lambda status: self._word(DOCUMENT_STATUS_TEXTS, status),
            batch_status_text=lambda status: self._word(BATCH_STATUS_TEXTS, status),
            role_text=lambda role: self._word(ROLE_TEXTS, role),
            event_text=lambda event_type: self._word(EVENT_TEXTS, event_type),
            outcome_text=lambda outcome: self._word(OUTCOME_TEXTS, outcome),
            page_warnings=lambda notes: [
                (page, self.said(text, values)) for page, text, values in page_warnings(notes)
            ],
            field_problems=self.field_problems,
            pages_to_rescan=pages_to_rescan,
        )

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def said(self, source: str, values: dict[str, str]) -> str:
        """A source text of `texts` translated, with the values read back from the words it
        stands for (none: a text hoso does not know, shown as written)."""
        return self.gettext(source) % values if values else self.gettext(source)

    def field_problems(self, problems: list[str] | None) -> list[str]:
        """A field value's problems, translated (`texts.field_problems`)."""
        return [self.said(source, values) for source, values in field_problems(problems)]

    def _template_gettext(self, message: str) -> Markup:
        """`_()` of a template. Jinja's i18n trusts what this returns as markup and formats it
        with `%`, so it must be escaped here: the catalogue's text as text, and a message the
        catalogue lacks (a stored word hoso has no text for, such as a document type read
        from a scanned separator sheet) shown exactly as written, `%` included, never as
        markup and never as a format that fails the page."""
        translated = self.translations.gettext(message)
        if isinstance(translated, _Verbatim):
            return escape(message).replace("%", "%%")
        return escape(translated)

    def _template_ngettext(self, singular: str, plural: str, n: int) -> Markup:
        """`ngettext()` of a template: always literals of the catalogue, escaped likewise."""
        return escape(self.translations.ngettext(singular, plural, n))

    def _word(self, texts: dict[str, str], word: str) -> str:
        """A status or role for people; one hoso does not know yet is shown as stored."""
        return self.gettext(texts[word]) if word in texts else word

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        person: Person | None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """A page (or an htmx fragment) with what the layout needs: `person` (None on the
        login and error pages of nobody), their `menu`, `csrf_token`, the current `path`."""
        values = {
            "person": person,
            "menu": menu_for(person.role) if person else [],
            "csrf_token": person.csrf_token if person else "",
            "path": request.url.path,
            **(context or {}),
        }
        body = self.env.get_template(template).render(values)
        return HTMLResponse(body, status_code=status_code, headers=headers)

    def error(
        self,
        request: Request,
        status: int,
        code: str,
        person: Person | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The error page in Vietnamese (the text of the error's code), or for a script that
        asked for JSON (`Accept: application/json`), `{"code", "message"}`."""
        message = self.gettext(code_text(code))
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"code": code, "message": message}, status, headers=headers)
        title = ERROR_TITLES.get(status, OTHER_ERROR)
        context = {"status": status, "code": code, "title": title, "message": message}
        return self.render(
            request, "error.html", context, person=person, status_code=status, headers=headers
        )


class _Verbatim(str):
    """A message the catalogue does not have, as `_NotInCatalogue` gives it back."""


class _NotInCatalogue(gettext_module.NullTranslations):
    """The catalogue's fallback: marks a message it lacks, so that a template shows it as
    data (see `Pages._template_gettext`)."""

    def gettext(self, message: str) -> str:
        return _Verbatim(message)


@dataclass(frozen=True)
class WebState:
    """What the desk UI keeps on the app (`app.state.web`)."""

    pages: Pages
    limits: SessionLimits


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def pages_of(request: Request) -> Pages:
    return web_state(request).pages
