"""Desks: the one-stop counters of a province or commune.

Tokens, accounts, batches and the reuse statistics point at a desk (`desk_id`), so a desk must
exist before `hoso ingest --desk` or a desk-bound token can name it. A desk's name is what the
statistics show per desk, so two desks of one province may not share a name (it would make
their rows indistinguishable); the same name in two provinces is fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from hoso.errors import ExitCode, HosoError
from hoso.storage.index import RecordIndex
from hoso.storage.schema import Desk, Province
from hoso.storage.vocabulary import EventType, Outcome

MAX_NAME = 200  # the column's length
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
COMMUNE = re.compile(r"^\d{5}$")


class DeskInvalidError(HosoError):
    """A desk cannot be made as asked (unknown province, empty or unprintable name)."""

    code = "desk_invalid"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


class DeskExistsError(HosoError):
    """The province already has a desk of this name."""

    code = "desk_exists"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 409


@dataclass
class Desks:
    index: RecordIndex

    def create(
        self, province_code: str, name: str, commune_code: str | None = None, agent: str = "cli"
    ) -> Desk:
        """A new desk of `province_code` (and of `commune_code`, when it is a commune's)."""
        name = _checked_name(name)
        if commune_code is not None and not COMMUNE.match(commune_code):
            raise DeskInvalidError(f"a commune code has 5 digits, not {commune_code!r}")
        with self.index.session() as session:
            if session.get(Province, province_code) is None:
                raise DeskInvalidError(f"there is no province with code {province_code!r}")
            same = select(Desk.id).where(Desk.province_code == province_code, Desk.name == name)
            if session.scalar(same) is not None:
                raise DeskExistsError(f"province {province_code} already has a desk {name!r}")
            row = Desk(province_code=province_code, commune_code=commune_code, name=name)
            session.add(row)
            session.flush()
            self.index.log_event(
                session, EventType.DESK_CREATED, Outcome.SUCCESS, agent, desk_id=row.id,
                detail={"province": province_code, "commune": commune_code},
            )  # fmt: skip
            return row

    def list(self, province_code: str | None = None) -> list[Desk]:
        """Every desk by id, or (a province given) only that province's."""
        statement = select(Desk).order_by(Desk.id)
        if province_code is not None:
            statement = statement.where(Desk.province_code == province_code)
        with self.index.sessions() as session:
            return list(session.scalars(statement))


def _checked_name(name: str) -> str:
    """The name without surrounding spaces; 1–200 characters, none of them control characters
    (a name is printed in tab-separated lists and statistics)."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise DeskInvalidError(f"a desk's name has 1 to {MAX_NAME} characters")
    if CONTROL.search(name):
        raise DeskInvalidError("a desk's name may not contain control characters")
    return name
