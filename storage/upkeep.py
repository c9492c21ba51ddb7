"""The archive's scheduled care, as reads and plans over the record index: which objects a
fixity sample checks, how much of the archive was checked within the period, and which signed
copies are the documents' current ones (what long-term validity renewal looks at).

Checking itself is `Archive.check_fixity` (`objects.verify`), as for `hoso fixity`, so a
sampled round is recorded with the same events and read back by the same query
(`Records.fixity_round`). The order of a scheduled run is the workflow's
(`workflows/scheduled.py`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from hoso.storage.archive import Archive
from hoso.storage.queries import FixityProblem, FixityRound, Records
from hoso.storage.schema import BatchFile, DerivedObject, Document, Event
from hoso.storage.vocabulary import EventType, Outcome


@dataclass(frozen=True)
class SamplePolicy:
    """How much one run checks: at least `fraction` of the objects, and every object that
    would otherwise go unchecked for longer than `period` before the next run."""

    fraction: float
    period: dt.timedelta


@dataclass(frozen=True)
class Coverage:
    """Objects the index knows (of a province, or all) and how many of them had a fixity
    check within the period ending at `until`."""

    checked: int
    total: int
    period_days: int
    until: dt.datetime

    @property
    def rate(self) -> float | None:
        """None without objects: no rate without a denominator."""
        return self.checked / self.total if self.total else None


@dataclass(frozen=True)
class FixityStatus:
    """What the archivist's screen and `GET /fixity` show: the latest round (scheduled or
    `hoso fixity`), the coverage within the period, and the objects whose latest check ever
    failed (a sample round checks only some objects: last night's problem stays listed until
    a later check finds the object sound)."""

    latest_round: FixityRound | None
    coverage: Coverage
    open_problems: list[FixityProblem]


class Upkeep:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index

    # --- fixity sampling ------------------------------------------------------------------

    def last_verified(self) -> dict[str, dt.datetime | None]:
        """Every object to check (`Archive.fixity_keys`: the index's and the store's) and when
        its bytes were last proven: its latest fixity check, else when it was stored (writes
        are verified), else None (an object only the store holds)."""
        keys = self.archive.fixity_keys()
        stored = self._stored_at()
        with self.index.sessions() as session:
            checks = dict(
                session.execute(
                    select(Event.object_key, func.max(Event.at))
                    .where(Event.event_type == EventType.FIXITY_CHECK)
                    .group_by(Event.object_key)
                ).all()
            )
        moments: dict[str, dt.datetime | None] = {}
        for key in keys:
            moment = checks.get(key) or stored.get(key)
            moments[key] = moment
        return moments

    def fixity_sample(self, policy: SamplePolicy, next_run: dt.datetime) -> tuple[list[str], int]:
        """The objects this run checks, least recently proven first, and how many objects there
        are: `fraction` of them, or more when more would pass the period's age before
        `next_run` (so every object is checked within the period as long as runs happen)."""
        ages = self.last_verified()
        oldest_first = sorted(ages, key=lambda k: (ages[k] is not None, ages[k] or next_run, k))
        deadline = next_run - policy.period
        overdue = sum(1 for key in oldest_first if (ages[key] or deadline) <= deadline)
        count = max(math.ceil(policy.fraction * len(ages)), overdue)
        return oldest_first[:count], len(ages)

    def round_for(self, scheduled_at: str) -> Event | None:
        """The round already started for this scheduled time (a step run again after a crash
        continues it instead of starting another)."""
        with self.index.sessions() as session:
            return session.scalar(
                select(Event)
                .where(
                    Event.event_type == EventType.FIXITY_STARTED,
                    Event.detail["scheduled_at"].as_string() == scheduled_at,
                )
                .order_by(Event.id)
                .limit(1)
            )

    def start_round(self, keys: int, total: int, scheduled_at: str, agent: str) -> None:
        """The round's first event, as `Archive.check_fixity` writes it for `hoso fixity`,
        with what makes it a scheduled sample."""
        with self.index.session() as session:
            self.index.log_event(
                session, EventType.FIXITY_STARTED, Outcome.SUCCESS, agent,
                detail={"objects": keys, "total": total, "scheduled_at": scheduled_at},
            )  # fmt: skip

    def checked_since(self, event_id: int) -> set[str]:
        with self.index.sessions() as session:
            return set(
                session.scalars(
                    select(Event.object_key).where(
                        Event.event_type == EventType.FIXITY_CHECK, Event.id > event_id
                    )
                )
            )

    # --- what the archivist sees ----------------------------------------------------------

    def fixity_status(
        self, province_code: str | None, period: dt.timedelta, now: dt.datetime, limit: int = 200
    ) -> FixityStatus:
        records = Records(self.archive)
        return FixityStatus(
            records.fixity_round(province_code, limit),
            self.coverage(province_code, period, now),
            self.open_problems(province_code, limit),
        )

    def coverage(
        self, province_code: str | None, period: dt.timedelta, now: dt.datetime
    ) -> Coverage:
        """Of the objects the index knows (the province's: its documents' originals and
        results, its batches' files), how many had a fixity check since `now - period`."""
        keys = Records(self.archive).object_keys(province_code)
        since = now.astimezone(dt.UTC) - period
        with self.index.sessions() as session:
            recent = set(
                session.scalars(
                    select(Event.object_key)
                    .where(Event.event_type == EventType.FIXITY_CHECK, Event.at >= since)
                    .distinct()
                )
            )
        return Coverage(len(keys & recent), len(keys), period.days, now)

    def open_problems(self, province_code: str | None, limit: int = 200) -> list[FixityProblem]:
        """Objects whose latest check, in any round, failed (of the province's documents and
        batches when given): a sample round checks some objects only, so last night's
        problem stays listed until a later check finds the object sound."""
        records = Records(self.archive)
        with self.index.sessions() as session:
            latest = (
                select(func.max(Event.id))
                .where(Event.event_type == EventType.FIXITY_CHECK)
                .group_by(Event.object_key)
            )
            failed = list(
                session.scalars(
                    select(Event)
                    .where(Event.id.in_(latest), Event.outcome == Outcome.FAILURE)
                    .order_by(Event.id)
                )
            )
            return records._fixity_problems(session, failed, province_code)[:limit]

    # --- long-term validity -----------------------------------------------------------------

    def current_copies(self, kind: str = "pdfa") -> list[DerivedObject]:
        """Each document's newest result of a kind (`Archive.newest_derived` for all at once),
        by document: the copies whose signatures renewal keeps valid."""
        newest = (
            select(func.max(DerivedObject.id))
            .where(DerivedObject.kind == kind)
            .group_by(DerivedObject.document_id)
        )
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(DerivedObject)
                    .where(DerivedObject.id.in_(newest))
                    .order_by(DerivedObject.document_id)
                )
            )

    # --- helpers ----------------------------------------------------------------------------

    def _stored_at(self) -> dict[str, dt.datetime]:
        """When each object the index knows was stored (its first row)."""
        sources: list[Select[str, dt.datetime]] = [
            select(Document.original_key, func.min(Document.created_at)).group_by(
                Document.original_key
            ),
            select(DerivedObject.key, DerivedObject.created_at),
            select(BatchFile.original_key, func.min(BatchFile.created_at)).group_by(
                BatchFile.original_key
            ),
        ]
        stored: dict[str, dt.datetime] = {}
        with self.index.sessions() as session:
            for source in sources:
                for key, at in session.execute(source).all():
                    if key not in stored or at < stored[key]:
                        stored[key] = at
        return stored
