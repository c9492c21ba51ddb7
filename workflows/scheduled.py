"""The archive's scheduled care on the job engine: fixity sampling and the renewal check of
long-term signatures, each a DBOS scheduled workflow, so no cron script and no extra daemon.

    fixity_sampling(T):  sample ─▶ Archive.check_fixity (events fixity_started, fixity_check)
    renewal_check(T):    each document's current signed copy ─▶ renewal_need ─▶ renew (a new
                         PDF/A object + `renewed`) or `renewal_due`; then `renewal_checked`

**Once per scheduled time, however many workers.** Every worker runs DBOS's scheduler thread
for each schedule (the schedules live in the jobs database, written by `apply` when a worker
starts). At a scheduled time T each of them enqueues the workflow under the id
`sched-<schedule>-<T ISO>`; the jobs database keeps one row per id (a second insert does
nothing), and one worker dequeues it. A worker killed mid-run is recovered like any workflow;
its step runs again (steps are at least once), so a fixity run continues the round it started
for T (`Upkeep.round_for`) and checks only what that round has not checked yet.

Step bodies reach the archive through `bind`, set once per process before DBOS launches
(as `jobs.bind`); they checkpoint plain dicts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter  # type: ignore[import-untyped]
from dbos import DBOS

from hoso.signatures.errors import NotSignableError, SigningFailedError
from hoso.signatures.profiles import CONFIG_ENV, SigningConfig
from hoso.signatures.renew import renew_bytes, renewal_need
from hoso.signatures.sign import SigningService
from hoso.storage.archive import Archive
from hoso.storage.objects import ObjectMissingError
from hoso.storage.schema import DerivedObject
from hoso.storage.upkeep import SamplePolicy, Upkeep
from hoso.storage.vocabulary import EventType, Outcome
from hoso.workflows import metrics
from hoso.workflows.at_work import JOBS_AT_WORK
from hoso.workflows.jobs import STEP_RETRIES
from hoso.workflows.settings import SCHEDULE_TIMEZONE, ScheduleSettings

log = logging.getLogger("hoso.scheduled")

FIXITY_SCHEDULE = "hoso-fixity-sampling"
RENEWAL_SCHEDULE = "hoso-signature-renewal"
FIXITY_WORKFLOW = "hoso.fixity_sampling"
RENEWAL_WORKFLOW = "hoso.renewal_check"


def environment_signing() -> SigningService | None:
    """The signing configuration of the environment (`HOSO_SIGNING_CONFIG`), None without."""
    if not os.environ.get(CONFIG_ENV):
        return None
    return SigningService(SigningConfig.load())


@dataclass
class ScheduledWork:
    """What the scheduled steps do, on one archive; `signing` is asked the first time a
    renewal check runs (keys and the TSA client load only then)."""

    archive: Archive
    settings: ScheduleSettings
    agent: str
    signing: Callable[[], SigningService | None] = environment_signing
    _service: list[SigningService | None] = field(default_factory=list)

    def sample_fixity(self, scheduled_at: dt.datetime) -> dict[str, Any]:
        """Check this run's sample: the least recently proven objects, at least the configured
        share and every object that would pass the period's age before the next run."""
        upkeep = Upkeep(self.archive)
        moment = scheduled_at.isoformat()
        policy = SamplePolicy(
            self.settings.fixity_fraction, dt.timedelta(days=self.settings.fixity_period_days)
        )
        keys, total = upkeep.fixity_sample(policy, next_run(self.settings.fixity, scheduled_at))
        started = upkeep.round_for(moment)
        if started is None:
            upkeep.start_round(len(keys), total, moment, self.agent)
        else:  # a run again after a crash: the rest of its round, no more
            done = upkeep.checked_since(started.id)
            left = max(0, int(started.detail.get("objects", 0)) - len(done))
            keys = [key for key in keys if key not in done][:left]
        results = list(self.archive.check_fixity(keys, self.agent, start_new_round=False))
        problems = [r.key for r in results if not r.ok]
        metrics.FIXITY_SAMPLED.inc(len(results))
        metrics.FIXITY_PROBLEMS.inc(len(problems))
        metrics.FIXITY_LAST_PROBLEMS.set(len(problems))
        metrics.SCHEDULED_LAST_RUN.labels("fixity").set(scheduled_at.timestamp())
        if problems:
            log.warning(
                "fixity sampling at %s: %d objects missing or changed", moment, len(problems)
            )
        return {"scheduled_at": moment, "checked": len(results), "total": total,
                "problems": problems}  # fmt: skip

    def check_renewals(self, scheduled_at: dt.datetime) -> dict[str, Any]:
        """Find each document's current signed copy whose long-term validity needs renewing
        (`signatures.renew.renewal_need`, as `hoso archive renew`), and renew it or record that
        it is due, per `HOSO_RENEWAL_ACTION`."""
        service = self._signing_service()
        if service is None:
            log.warning("renewal check skipped: no signing configuration (%s)", CONFIG_ENV)
            return {"scheduled_at": scheduled_at.isoformat(), "skipped": True}
        within = dt.timedelta(days=service.config.renew_before_days)
        counts = {"checked": 0, "due": 0, "renewed": 0, "failed": 0}
        for copy in Upkeep(self.archive).current_copies("pdfa"):
            outcome = self._check_copy(service, copy, within)
            for name in counts:
                counts[name] += outcome.get(name, 0)
        with self.archive.index.session() as session:
            self.archive.index.log_event(
                session, EventType.RENEWAL_CHECKED,
                Outcome.FAILURE if counts["failed"] else Outcome.SUCCESS, self.agent,
                detail={"scheduled_at": scheduled_at.isoformat(), **counts},
            )  # fmt: skip
        metrics.RENEWAL_DUE.set(counts["due"])
        metrics.SCHEDULED_LAST_RUN.labels("renewal").set(scheduled_at.timestamp())
        return {"scheduled_at": scheduled_at.isoformat(), **counts}

    def _check_copy(
        self, service: SigningService, copy: DerivedObject, within: dt.timedelta
    ) -> dict[str, int]:
        try:
            with self.archive.store.open(copy.key) as stream:
                data = stream.read()
            need = renewal_need(data, within)
        except (NotSignableError, ObjectMissingError) as error:
            # A missing or damaged copy is fixity's to report; it must not stop the check of
            # every copy after it, run after run.
            log.warning("document %s: signed copy unreadable: %s", copy.document_id, error)
            return {}
        if not need.signed:
            return {}
        if not need.needed:
            return {"checked": 1}
        if self.settings.renewal_action != "renew":
            self._record(EventType.RENEWAL_DUE, Outcome.SUCCESS, copy, need.reason)
            return {"checked": 1, "due": 1}
        try:
            stored = self._store_renewed(copy.document_id, renew_bytes(service, data))
        except SigningFailedError as error:  # the TSA or revocation data unreachable: next time
            log.warning("document %s: renewal failed: %s", copy.document_id, error)
            self._record(EventType.RENEWAL_DUE, Outcome.FAILURE, copy, need.reason, error.code)
            metrics.RENEWED.labels("failed").inc()
            return {"checked": 1, "due": 1, "failed": 1}
        self._record(EventType.RENEWED, Outcome.SUCCESS, copy, need.reason, key=stored)
        metrics.RENEWED.labels("renewed").inc()
        return {"checked": 1, "due": 1, "renewed": 1}

    def _store_renewed(self, document_id: int, data: bytes) -> str:
        """The renewed copy is a new object (nothing is overwritten) and becomes the
        document's newest PDF/A, as `hoso archive renew` stores it."""
        with self.archive.work_folder() as folder:
            path = Path(folder) / "renewed.pdf"
            path.write_bytes(data)
            return self.archive.add_derived(document_id, "pdfa", path, self.agent).key

    def _record(
        self,
        event_type: EventType,
        outcome: Outcome,
        copy: DerivedObject,
        reason: str,
        code: str | None = None,
        key: str | None = None,
    ) -> None:
        detail = {"reason": reason, "replaced_key": copy.key} if key else {"reason": reason}
        if code:
            detail["code"] = code
        with self.archive.index.session() as session:
            self.archive.index.log_event(
                session, event_type, outcome, self.agent, object_key=key or copy.key,
                document_id=copy.document_id, detail=detail,
            )  # fmt: skip

    def _signing_service(self) -> SigningService | None:
        if not self._service:
            self._service.append(self.signing())
        return self._service[0]


def next_run(cron: str | None, after: dt.datetime) -> dt.datetime:
    """The schedule's next time after `after` (itself when there is no schedule)."""
    if cron is None:
        return after
    zone = ZoneInfo(SCHEDULE_TIMEZONE)
    following: dt.datetime = croniter(
        cron, after.astimezone(zone), second_at_beginning=True
    ).get_next(dt.datetime)
    return following


_bound: dict[str, ScheduledWork] = {}


def bind(work: ScheduledWork) -> None:
    _bound["work"] = work


@DBOS.step(name="hoso.fixity_sample", **STEP_RETRIES)  # type: ignore[arg-type]
def fixity_step(scheduled_at: str) -> dict[str, Any]:
    return _bound["work"].sample_fixity(dt.datetime.fromisoformat(scheduled_at))


@DBOS.step(name="hoso.renewal_check", **STEP_RETRIES)  # type: ignore[arg-type]
def renewal_step(scheduled_at: str) -> dict[str, Any]:
    return _bound["work"].check_renewals(dt.datetime.fromisoformat(scheduled_at))


@DBOS.workflow(name=FIXITY_WORKFLOW)
def fixity_sampling(scheduled_at: dt.datetime, context: Any) -> None:
    with JOBS_AT_WORK.running():
        fixity_step(scheduled_at.isoformat())


@DBOS.workflow(name=RENEWAL_WORKFLOW)
def renewal_check(scheduled_at: dt.datetime, context: Any) -> None:
    with JOBS_AT_WORK.running():
        renewal_step(scheduled_at.isoformat())


def apply(settings: ScheduleSettings, signing_configured: bool | None = None) -> list[str]:
    """Write this deployment's schedules into the jobs database (after launch), and delete
    those turned off; every worker does it at start, with the same settings. The renewal
    check needs a signing configuration (default: whether the environment names one).
    Returns the names of the schedules now on."""
    if signing_configured is None:
        signing_configured = bool(os.environ.get(CONFIG_ENV))
    wanted: dict[str, tuple[str | None, Callable[[dt.datetime, Any], None]]] = {
        FIXITY_SCHEDULE: (settings.fixity, fixity_sampling),
        RENEWAL_SCHEDULE: (settings.renewal if signing_configured else None, renewal_check),
    }
    if settings.renewal and not signing_configured:
        log.warning("renewal checks are off: no signing configuration (%s)", CONFIG_ENV)
    on = [name for name, (cron, _) in wanted.items() if cron]
    DBOS.apply_schedules(
        [
            {"schedule_name": name, "workflow_fn": workflow, "schedule": cron,
             "cron_timezone": SCHEDULE_TIMEZONE}
            for name, (cron, workflow) in wanted.items()
            if cron
        ]
    )  # fmt: skip
    for name, (cron, _) in wanted.items():
        if not cron:
            DBOS.delete_schedule(name)
    return on
