"""Reuse accounting for the scoring of one-stop desks (Decision 766/QĐ-TTg): per province and
desk, for a period, how many dossiers were digitized, how many results went out electronically,
and how many papers were taken from the archive instead of being asked for again.

Read from what the index already holds, nothing recorded for it:

- **Dossiers digitized:** dossiers that hoso opened in the period (a receipt or separator in a
  scanned batch) whose every paper is digitized (`done`), of all those dossiers. A dossier's
  desk is the desk of its papers' batch. hoso knows only the dossiers scanned into it, so the
  denominator is those, not every dossier the one-stop system received.
- **Papers reused:** each paper a `prefilled` event names (a procedure's form filled from
  archived papers: one paper not asked for again; the same paper reused twice counts twice),
  of those reused plus the papers scanned in the period at the same desks. A person's record
  read (`person_read`) is not counted: it is how an officer looks before a prefill, and
  counting it as well would count one reuse twice.
- **Results issued electronically:** of the dossiers hoso opened in the period (the same
  dossiers as above: hoso does not know when the one-stop system closed a dossier, so those it
  holds stand for those handled), how many have a result issued through hoso
  (`storage/results.py`: signed, QR-coded and archived), whenever it was issued. A result
  signed outside the archive (`hoso sign --qr`) is not counted.

Every rate comes with its count and denominator; a rate over nothing is None, not 0.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hoso.desk_time import VIETNAM
from hoso.storage.index import RecordIndex
from hoso.storage.results import IssuedResult
from hoso.storage.reuse import InvalidValueError
from hoso.storage.schema import Batch, Desk, Document, Dossier, Event
from hoso.storage.vocabulary import DocumentStatus, EventType

MAX_DAYS = 3660  # ten years: a longer period is a mistake, not a report
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


@dataclass(frozen=True)
class Rate:
    count: int
    of: int

    @property
    def rate(self) -> float | None:
        """None over nothing: 0 of 0 is not 0 %."""
        return self.count / self.of if self.of else None


def asked_days(
    first: dt.date | None, last: dt.date | None, now: dt.datetime
) -> tuple[dt.date, dt.date]:
    """The days a report covers when some are not given: none, this month so far (what a desk
    lead reports on most often); only the last, from the 1st of its month; only the first, up
    to today. Days in Vietnam's time."""
    today = now.astimezone(VIETNAM).date()
    if first is None:
        first = (last or today).replace(day=1)
    return first, last or today


@dataclass(frozen=True)
class StatsQuery:
    """A period [start, end) in aware datetimes, and optionally one province and one desk."""

    start: dt.datetime
    end: dt.datetime
    province_code: str | None = None
    desk_id: int | None = None

    @classmethod
    def for_days(
        cls, first: dt.date, last: dt.date, province_code: str | None, desk_id: int | None
    ) -> StatsQuery:
        """Whole days in Vietnam's time, `last` included: the desks' own calendar. The days
        must run forward, ten years at most, within the years hoso can have seen."""
        if not (EARLIEST <= first <= last <= LATEST) or (last - first).days > MAX_DAYS:
            raise InvalidValueError(
                f"the days must run forward from the first to the last, at most {MAX_DAYS} "
                f"days, between {EARLIEST} and {LATEST} (asked: {first} to {last})"
            )
        start = dt.datetime.combine(first, dt.time(), VIETNAM)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), VIETNAM)
        return cls(start, end, province_code, desk_id)


@dataclass
class _Tally:
    dossiers: int = 0
    dossiers_digitized: int = 0
    documents: int = 0
    documents_digitized: int = 0
    papers_reused: int = 0
    results_issued: int = 0


@dataclass(frozen=True)
class DeskStats:
    """One row: a desk of a province (`desk_id` None: the whole province; `province_code`
    None too: every province)."""

    province_code: str | None
    desk_id: int | None
    desk_name: str | None
    dossiers_digitized: Rate
    documents_digitized: Rate
    papers_reused: Rate  # reused, of reused + scanned
    results_electronic: Rate  # dossiers with an issued e-result, of the dossiers opened

    @classmethod
    def of(
        cls, province: str | None, desk: int | None, name: str | None, tally: _Tally
    ) -> DeskStats:
        return cls(
            province,
            desk,
            name,
            Rate(tally.dossiers_digitized, tally.dossiers),
            Rate(tally.documents_digitized, tally.documents),
            Rate(tally.papers_reused, tally.papers_reused + tally.documents),
            Rate(tally.results_issued, tally.dossiers),
        )


Place = tuple[str | None, int | None]  # province, desk


class Stats:
    def __init__(self, index: RecordIndex) -> None:
        self.index = index

    def report(self, query: StatsQuery) -> list[DeskStats]:
        """Rows for the asked scope: the province (or every province, and each of them), then
        each of its desks with activity in the period; with a desk, that desk's row only."""
        tallies: dict[Place, _Tally] = defaultdict(_Tally)
        with self.index.sessions() as session:
            desks = {d.id: d for d in session.scalars(select(Desk))}
            self._count_documents(session, query, tallies)
            self._count_dossiers(session, query, tallies)
            self._count_reuse(session, query, desks, tallies)
        return self._rows(query, desks, tallies)

    def _count_documents(
        self, session: Session, query: StatsQuery, tallies: dict[Place, _Tally]
    ) -> None:
        rows = session.execute(
            select(Document.province_code, Batch.desk_id, Document.status)
            .outerjoin(Batch, Batch.id == Document.batch_id)
            .where(Document.created_at >= _utc(query.start))
            .where(Document.created_at < _utc(query.end))
            .where(*self._scope(query, Document.province_code))
        ).all()
        for province, desk, status in rows:
            tally = tallies[(province, desk)]
            tally.documents += 1
            tally.documents_digitized += status == DocumentStatus.DONE

    def _count_dossiers(
        self, session: Session, query: StatsQuery, tallies: dict[Place, _Tally]
    ) -> None:
        papers = session.execute(
            select(Dossier.id, Dossier.province_code, Batch.desk_id, Document.status)
            .join(Document, Document.dossier_id == Dossier.id)
            .outerjoin(Batch, Batch.id == Document.batch_id)
            .where(Dossier.created_at >= _utc(query.start))
            .where(Dossier.created_at < _utc(query.end))
            .where(*self._scope(query, Dossier.province_code))
        ).all()
        issued = set(
            session.scalars(
                select(IssuedResult.dossier_id)
                .join(Dossier, Dossier.id == IssuedResult.dossier_id)
                .where(Dossier.created_at >= _utc(query.start))
                .where(Dossier.created_at < _utc(query.end))
                .distinct()
            )
        )
        dossiers: dict[int, tuple[Place, bool]] = {}
        for dossier_id, province, desk, status in papers:
            place, done = dossiers.get(dossier_id, ((province, desk), True))
            if place[1] is None and desk is not None:
                place = (province, desk)
            dossiers[dossier_id] = (place, done and status == DocumentStatus.DONE)
        for dossier_id, (place, done) in dossiers.items():
            tallies[place].dossiers += 1
            tallies[place].dossiers_digitized += done
            tallies[place].results_issued += dossier_id in issued

    def _count_reuse(
        self,
        session: Session,
        query: StatsQuery,
        desks: dict[int, Desk],
        tallies: dict[Place, _Tally],
    ) -> None:
        events = session.execute(
            select(Event.desk_id, Event.detail)
            .where(Event.event_type == EventType.PREFILLED)
            .where(Event.at >= _utc(query.start), Event.at < _utc(query.end))
        ).all()
        for desk_id, detail in events:
            desk = desks.get(desk_id) if desk_id is not None else None
            province = (detail or {}).get("province") or (desk.province_code if desk else None)
            if query.province_code is not None and province != query.province_code:
                continue
            if query.desk_id is not None and desk_id != query.desk_id:
                continue
            tallies[(province, desk_id)].papers_reused += len((detail or {}).get("documents", []))

    def _scope(
        self, query: StatsQuery, province: InstrumentedAttribute[str | None]
    ) -> list[ColumnElement[bool]]:
        """The asked province and desk as conditions on a statement joined to `Batch`."""
        conditions: list[ColumnElement[bool]] = []
        if query.province_code is not None:
            conditions.append(province == query.province_code)
        if query.desk_id is not None:
            conditions.append(Batch.desk_id == query.desk_id)
        return conditions

    def _rows(
        self, query: StatsQuery, desks: dict[int, Desk], tallies: dict[Place, _Tally]
    ) -> list[DeskStats]:
        if query.desk_id is not None:
            desk = desks.get(query.desk_id)
            province = desk.province_code if desk else query.province_code
            tally = _sum(t for (_, d), t in tallies.items() if d == query.desk_id)
            return [DeskStats.of(province, query.desk_id, desk.name if desk else None, tally)]
        provinces = sorted({p for p, _ in tallies if p is not None})
        rows = []
        if query.province_code is None:
            rows.append(DeskStats.of(None, None, None, _sum(tallies.values())))
        else:
            provinces = [query.province_code]
        for province in provinces:
            mine = {d: t for (p, d), t in tallies.items() if p == province}
            rows.append(DeskStats.of(province, None, None, _sum(mine.values())))
            for desk_id in sorted((d for d in mine if d is not None), key=lambda d: desks[d].name):
                rows.append(DeskStats.of(province, desk_id, desks[desk_id].name, mine[desk_id]))
        return rows


def _sum(tallies: Iterable[_Tally]) -> _Tally:
    total = _Tally()
    for tally in tallies:
        total.dossiers += tally.dossiers
        total.dossiers_digitized += tally.dossiers_digitized
        total.documents += tally.documents
        total.documents_digitized += tally.documents_digitized
        total.papers_reused += tally.papers_reused
        total.results_issued += tally.results_issued
    return total


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)
