"""The UI's message catalogue: extract the marked strings, keep `messages.pot` and the Vietnamese
`.po` in step with them, and say what is still untranslated.

    python -m hoso.api.web.catalogue   # after adding or changing a UI string

rewrites `locale/messages.pot` from the templates (`_()`, `ngettext()`) and the Python of
`hoso.api.web` (`N_()`), merges it into `locale/vi/LC_MESSAGES/messages.po` (translations kept;
a changed string becomes fuzzy, which does not count as translated) and lists the entries
that still need a Vietnamese text. `tests/test_web_foundation.py` fails while the `.pot` is
not what extraction gives or any entry of the `.po` is untranslated, fuzzy or missing.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from hoso.api.web.i18n import DOMAIN, LOCALE, LOCALE_DIR, po_path

WEB = Path(__file__).resolve().parent
POT = LOCALE_DIR / f"{DOMAIN}.pot"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
HEADER = "Messages of the hoso desk UI (English source strings)."


def extract() -> Catalog:
    """Every marked string of the UI, with where it is used (paths relative to this folder).
    The creation date stays that of the `.pot` there is, so a run changes only what changed."""
    created = read(POT).creation_date if POT.exists() else None
    catalog = Catalog(
        project="hoso", header_comment=f"# {HEADER}", fuzzy=False, creation_date=created
    )
    found = extract_from_dir(WEB, METHODS, options_map=OPTIONS, keywords=KEYWORDS)
    for filename, line, message, comments, context in found:
        catalog.add(message, None, [(filename, line)], auto_comments=comments, context=context)
    return catalog


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale, domain=DOMAIN)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, omit_header=False, sort_output=True)


def message_ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def untranslated(template: Catalog, translated: Catalog) -> list[str]:
    """The source strings of `template` that `translated` lacks, or holds fuzzy or empty."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = translated.get(message.id, message.context)
        strings = found.string if found is not None else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(texts):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> list[str]:
    """Rewrite the `.pot`, merge it into the Vietnamese `.po`; the strings left to translate."""
    template = extract()
    write(POT, template)
    path = po_path(LOCALE)
    catalog = read(path, LOCALE) if path.exists() else Catalog(locale=LOCALE, fuzzy=False)
    catalog.update(template, update_header_comment=False)
    catalog.obsolete.clear()  # removed strings go; git keeps their history
    write(path, catalog)
    return untranslated(template, catalog)


if __name__ == "__main__":
    left = update()
    print(f"{POT.relative_to(WEB)} and {po_path().relative_to(WEB)} updated")
    for message in left:
        print(f"untranslated: {message}")
