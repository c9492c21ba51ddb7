"""The procedure catalogue: which person fields each procedure's form takes, and which of them it
cannot be filed without, so a prefill asks for exactly what the form needs and says what is
missing (issue 14).

The catalogue is data, not code: `procedures.toml` ships in the package with the procedures the
domain notes name, and an agency adds its own or replaces them with a file of the same format
(`HOSO_PROCEDURES`), without a release. A file that does not hold up is refused whole when it
is loaded (`hoso serve` and the commands that prefill load it before anything else), with the
file, the procedure and what is wrong, never at the first desk that asks.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hoso.contract import PREFILL_FIELDS
from hoso.errors import ExitCode, HosoError
from hoso.settings import HosoSettings, SettingsError

PACKAGED = "procedures.toml"
# What a form can take from a person's papers: the applicant's own fields, and the parents'
# names a birth extract carries (forms about a person's civil status ask for them).
PERSON_FIELDS = (*PREFILL_FIELDS, "father_name", "mother_name")
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
CODE = re.compile(r"\d\.\d{6}")
FORM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,79}")
# A local service code is the national code + the agency ID: 2.000815.000.00.00.H55.
LOCAL_CODE = re.compile(r"(\d\.\d{6})\.[0-9A-Za-z.]+")


class ProcedureCatalogueError(SettingsError):
    """The agency's catalogue file (or a packaged one broken by an edit) cannot be used. A
    setting's fault like any other: exit 2 from a command, 500 from a misconfigured server."""

    code = "procedures_invalid"


class UnknownProcedureError(HosoError):
    """Asked to prefill a procedure the catalogue does not hold. 422 over HTTP, not 404: the
    person may well exist, it is the request's `procedure` that is not understood."""

    code = "unknown_procedure"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


@dataclass(frozen=True)
class FormField:
    name: str  # the e-form's field name
    takes: str  # the person field its value comes from (one of PERSON_FIELDS)
    required: bool


@dataclass(frozen=True)
class Procedure:
    key: str
    name: str
    code: str | None  # National Procedure DB code, where the catalogue knows it
    fields: tuple[FormField, ...]

    @property
    def label(self) -> str:
        """How a person names it in a message: the key and, when known, the code."""
        return f"{self.key} ({self.code})" if self.code else self.key


class Catalogue:
    """Procedures by key, findable by key, code or local service code."""

    def __init__(self, procedures: Mapping[str, Procedure]) -> None:
        self._by_key = dict(procedures)
        self._by_code = {p.code: p for p in self._by_key.values() if p.code}

    def __iter__(self) -> Iterator[Procedure]:
        """In catalogue order: the packaged file's, then the agency's additions."""
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def find(self, wanted: str) -> Procedure:
        """The procedure a desk means by `wanted`: its key (any case), its code, or a local
        service code built on it; otherwise `UnknownProcedureError` listing what is known."""
        text = wanted.strip()
        local = LOCAL_CODE.fullmatch(text)
        found = (
            self._by_key.get(text.lower())
            or self._by_code.get(text)
            or (self._by_code.get(local.group(1)) if local else None)
        )
        if found is None:
            known = ", ".join(p.label for p in self)
            raise UnknownProcedureError(
                f"no procedure {text!r} in the catalogue; known: {known} "
                "(`hoso procedures` lists them; HOSO_PROCEDURES adds more)"
            )
        return found


def load_catalogue(agency_file: Path | None = None) -> Catalogue:
    """The packaged catalogue, extended by `agency_file` (a procedure with a packaged key
    replaces it) or, when that file says `include_packaged = false`, replaced by it."""
    where = f"procedure catalogue {agency_file} (HOSO_PROCEDURES)" if agency_file else PACKAGED
    agency = _read(agency_file, where) if agency_file is not None else {}
    include = agency.pop("include_packaged", True)
    if not isinstance(include, bool):
        raise ProcedureCatalogueError(f"{where}: `include_packaged` must be true or false")
    procedures = _packaged() if include else {}
    if agency_file is not None:
        procedures.update(_parsed(agency, where))
    _one_procedure_per_code(procedures.values(), where)
    return Catalogue(procedures)


def configured_catalogue(settings: HosoSettings | None = None) -> Catalogue:
    """The catalogue of this deployment: `HOSO_PROCEDURES` read through `hoso.settings`."""
    chosen = settings or HosoSettings.from_environment()
    return load_catalogue(chosen.procedures)


def _packaged() -> dict[str, Procedure]:
    text = resources.files("hoso.storage").joinpath(PACKAGED).read_text(encoding="utf-8")
    return _parsed(_toml(text, PACKAGED), PACKAGED)


def _read(path: Path, where: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ProcedureCatalogueError(f"{where} cannot be read: {reason}") from None
    return _toml(text, where)


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProcedureCatalogueError(f"{where} is not valid TOML: {error}") from None


def _parsed(data: dict[str, Any], where: str) -> dict[str, Procedure]:
    """Every procedure of one file, each checked; a key twice in one file is a mistake."""
    unknown = set(data) - {"procedure"}
    if unknown:
        raise ProcedureCatalogueError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
    entries = data.get("procedure", [])
    if not isinstance(entries, list) or not entries:
        raise ProcedureCatalogueError(f"{where}: no [[procedure]] tables")
    procedures: dict[str, Procedure] = {}
    for position, entry in enumerate(entries, 1):
        procedure = _procedure(entry, f"{where}, procedure {position}")
        if procedure.key in procedures:
            raise ProcedureCatalogueError(f"{where}: procedure {procedure.key!r} is listed twice")
        procedures[procedure.key] = procedure
    return procedures


def _procedure(entry: Any, where: str) -> Procedure:
    if not isinstance(entry, dict):
        raise ProcedureCatalogueError(f"{where}: expected a table")
    _only(entry, {"key", "name", "code", "fields"}, where)
    key = _text(entry, "key", where, KEY, "lower-case letters, digits and '-'")
    where = f"{where} ({key})"
    name = _text(entry, "name", where)
    code = _optional_text(entry, "code", where, CODE, "a National Procedure DB code d.dddddd")
    fields = entry.get("fields")
    if not isinstance(fields, list) or not fields:
        raise ProcedureCatalogueError(f"{where}: `fields` must list the form's fields")
    form = tuple(_form_field(item, f"{where}, field {n}") for n, item in enumerate(fields, 1))
    names = [f.name for f in form]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ProcedureCatalogueError(f"{where}: form field {twice[0]!r} is listed twice")
    return Procedure(key, name, code, form)


def _form_field(item: Any, where: str) -> FormField:
    if not isinstance(item, dict):
        raise ProcedureCatalogueError(f'{where}: expected {{ field = "…", required = … }}')
    _only(item, {"field", "name", "required"}, where)
    takes = _text(item, "field", where)
    if takes not in PERSON_FIELDS:
        raise ProcedureCatalogueError(
            f"{where}: {takes!r} is not a person field (one of {', '.join(PERSON_FIELDS)})"
        )
    name = _optional_text(item, "name", where, FORM_NAME, "letters, digits, '_', '.', '-'")
    required = item.get("required", False)
    if not isinstance(required, bool):
        raise ProcedureCatalogueError(f"{where}: `required` must be true or false")
    return FormField(name or takes, takes, required)


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    """A misspelt key (`requried`) would silently mean its default: refuse it instead."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ProcedureCatalogueError(
            f"{where}: unknown key {unknown[0]!r} (expected {', '.join(sorted(allowed))})"
        )


def _text(
    table: dict[str, Any],
    key: str,
    where: str,
    pattern: re.Pattern[str] | None = None,
    expected: str = "",
) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProcedureCatalogueError(f"{where}: `{key}` must be a non-empty string")
    if pattern is not None and not pattern.fullmatch(value):
        raise ProcedureCatalogueError(f"{where}: `{key}` {value!r} is not {expected}")
    return value


def _optional_text(
    table: dict[str, Any], key: str, where: str, pattern: re.Pattern[str], expected: str
) -> str | None:
    return None if table.get(key) is None else _text(table, key, where, pattern, expected)


def _one_procedure_per_code(procedures: Iterable[Procedure], where: str) -> None:
    """A code must find one procedure: an agency's new procedure reusing a packaged code
    (rather than the packaged key) would make the answer depend on the order of the files."""
    seen: dict[str, str] = {}
    for procedure in procedures:
        if procedure.code is None:
            continue
        if procedure.code in seen:
            raise ProcedureCatalogueError(
                f"{where}: code {procedure.code} belongs to both {seen[procedure.code]!r} and "
                f"{procedure.key!r} (use the packaged key to replace a packaged procedure)"
            )
        seen[procedure.code] = procedure.key
