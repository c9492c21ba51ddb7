"""The desk UI's language: Vietnamese, from English source strings and a gettext catalogue.

Source strings are English (like the rest of the code and its errors), marked `_("…")` in
templates and `N_("…")` where Python defines a text that a template shows; the Vietnamese is
in `locale/vi/LC_MESSAGES/messages.po`. The catalogue is compiled in memory when the app starts,
so no compiled `.mo` can lag behind the `.po`; `hoso.api.web.catalogue` extracts the strings
and a test fails while any is missing from the catalogue or untranslated.

Dates are shown as `dd/MM/yyyy HH:mm` in Vietnam's time (Asia/Ho_Chi_Minh, UTC+7, no summer
time), whatever the server's own zone: the database keeps UTC.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hoso.desk_time import VIETNAM
from hoso.storage.schema import as_utc

LOCALE = "vi"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
TIMEZONE = VIETNAM
DATETIME_PATTERN = "dd/MM/yyyy HH:mm"


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; it is translated where it is shown
    (`_(text)` in a template, `Pages.gettext` in Python)."""
    return message


def po_path(locale: str = LOCALE) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locale: str = LOCALE) -> gettext.GNUTranslations:
    """The catalogue of `locale`, compiled from its `.po` now (fuzzy entries left out: a guess
    is not a translation)."""
    with po_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def format_moment(moment: dt.datetime | None) -> str:
    """`dd/MM/yyyy HH:mm` in Vietnam's time; a naive value is UTC (how the index stores time)."""
    if moment is None:
        return ""
    return format_datetime(as_utc(moment), DATETIME_PATTERN, tzinfo=TIMEZONE, locale=LOCALE)
