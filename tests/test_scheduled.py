"""The archive's scheduled care (workflows/scheduled.py): fixity sampling reaches every object
within the period and finds a corrupted one; a crashed run continues its round; LTA renewal
checks report or renew; two real workers run each scheduled time once, with events and
metrics. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, select, text

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.errors import ExitCode
from hoso.signatures.renew import renewal_need
from hoso.signatures.sign import SigningService
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.queries import Records
from hoso.storage.schema import Event
from hoso.storage.upkeep import SamplePolicy, Upkeep
from hoso.storage.vocabulary import EventType
from hoso.workflows.queue import JobQueue
from hoso.workflows.scheduled import ScheduledWork
from hoso.workflows.settings import ScheduleSettings
from tests import test_web_foundation as foundation
from tests.cli import run_hoso
from tests.databases import fresh_database, postgres_available
from tests.deployment import Deployment, free_port
from tests.s3server import corrupt


@pytest.fixture()
def archive(index: RecordIndex, tmp_path: Path) -> Archive:
    return Archive(FilesystemStore(tmp_path / "objects"), index)


def archived(archive: Archive, tmp_path: Path, count: int) -> list[str]:
    keys = []
    for n in range(count):
        path = tmp_path / f"paper-{n}.pdf"
        path.write_bytes(f"%PDF scan number {n}".encode())
        keys.append(archive.ingest(path, "station:01").original.key)
    return keys


def events(archive: Archive, event_type: EventType) -> list[Event]:
    with archive.index.sessions() as session:
        return list(
            session.scalars(select(Event).where(Event.event_type == event_type).order_by(Event.id))
        )


def aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def test_sampling_proves_every_object_within_the_period_and_finds_the_corrupted_one(
    archive: Archive, tmp_path: Path
) -> None:
    """1 % of 6 objects is one a run; runs 1 s apart would reach each object every 6 s. The
    period (3 s) makes each run also take what would grow older than it. Seconds, not tenths:
    on a loaded 2-core machine one database commit can stall for a few tenths."""
    keys = archived(archive, tmp_path, 6)
    corrupt(archive.store, keys[3])
    upkeep = Upkeep(archive)
    policy = SamplePolicy(fraction=0.01, period=dt.timedelta(seconds=3))
    gap = dt.timedelta(seconds=1)
    sizes = []
    for _ in range(8):
        now = dt.datetime.now(dt.UTC)
        sample, total = upkeep.fixity_sample(policy, next_run=now + gap)
        sizes.append(len(sample))
        list(archive.check_fixity(sample, "scheduler"))
        time.sleep(max(0.0, (now + gap - dt.datetime.now(dt.UTC)).total_seconds()))
    end = dt.datetime.now(dt.UTC)
    assert total == 6 and max(sizes) < 6  # a sample, never the whole archive
    proofs: dict[str, list[dt.datetime]] = {key: [] for key in keys}
    for event in events(archive, EventType.INGESTED) + events(archive, EventType.FIXITY_CHECK):
        proofs[event.object_key or ""].append(aware(event.at))
    slack = dt.timedelta(seconds=1)  # the time a run itself takes on a busy machine
    for key in keys:
        moments = [*sorted(proofs[key]), end]
        longest = max(b - a for a, b in itertools.pairwise(moments))
        assert longest <= policy.period + slack, (key, longest)
    status = upkeep.fixity_status(None, dt.timedelta(days=1), dt.datetime.now(dt.UTC))
    assert [p.check.object_key for p in status.open_problems] == [keys[3]]
    assert status.open_problems[0].document_ids == [4]
    assert (status.coverage.checked, status.coverage.total) == (6, 6)


def test_a_scheduled_run_is_a_round_the_archivist_sees_and_a_rerun_continues_it(
    archive: Archive, tmp_path: Path
) -> None:
    keys = archived(archive, tmp_path, 4)
    corrupt(archive.store, keys[0])  # stored first, so among the least recently proven
    settings = ScheduleSettings(fixity="30 1 * * *", fixity_fraction=0.5, fixity_period_days=90)
    work = ScheduledWork(archive, settings, agent="worker:w1")
    at = dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    sampled = REGISTRY.get_sample_value("hoso_fixity_sampled_objects_total") or 0.0

    summary = work.sample_fixity(at)

    assert summary["checked"] == 2 and summary["total"] == 4
    assert summary["problems"] == [keys[0]]
    started = events(archive, EventType.FIXITY_STARTED)
    assert [e.detail["scheduled_at"] for e in started] == [at.isoformat()]
    shown = Records(archive).fixity_round(None)
    assert shown is not None and shown.checked == 2
    assert [p.check.object_key for p in shown.problems] == [keys[0]]
    assert REGISTRY.get_sample_value("hoso_fixity_sampled_objects_total") == sampled + 2
    assert (
        REGISTRY.get_sample_value("hoso_scheduled_last_run_timestamp_seconds", {"job": "fixity"})
        == at.timestamp()
    )

    again = work.sample_fixity(at)  # the step run again after a crash: the same round
    assert len(events(archive, EventType.FIXITY_STARTED)) == 1
    assert again["checked"] == 0
    assert len(events(archive, EventType.FIXITY_CHECK)) == 2


def test_renewal_check_reports_or_renews_copies_without_a_document_timestamp(
    archive: Archive, tmp_path: Path, signing: SigningService, pdfa_copy: Path
) -> None:
    signed = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, signed, "copy")  # signed, but no document timestamp: not B-LTA
    document = archive.ingest(pdfa_copy, "test").document_id
    archive.add_derived(document, "pdfa", signed, "test")
    at = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)

    def run(action: str) -> dict[str, object]:
        settings = ScheduleSettings(renewal="0 3 * * 0", renewal_action=action)
        return ScheduledWork(
            archive, settings, "worker:w1", signing=lambda: signing
        ).check_renewals(at)

    reported = run("report")
    assert (reported["checked"], reported["due"], reported["renewed"]) == (1, 1, 0)
    due = events(archive, EventType.RENEWAL_DUE)
    assert [(e.document_id, e.outcome) for e in due] == [(document, "success")]
    assert REGISTRY.get_sample_value("hoso_signatures_renewal_due") == 1

    renewed = run("renew")
    assert (renewed["due"], renewed["renewed"], renewed["failed"]) == (1, 1, 0)
    [event] = events(archive, EventType.RENEWED)
    newest = Upkeep(archive).current_copies("pdfa")
    assert [c.key for c in newest] == [event.object_key]
    with archive.store.open(newest[0].key) as stream:
        assert not renewal_need(stream.read(), dt.timedelta(days=365)).needed

    assert run("renew")["due"] == 0  # renewed once: nothing due until its TSA nears its end
    checked = events(archive, EventType.RENEWAL_CHECKED)
    assert [e.detail["due"] for e in checked] == [1, 1, 0]


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL at HOSO_TEST_PG")
    with fresh_database(request.param, tmp_path) as url:
        index = RecordIndex(url)
        index.migrate()
        store = FilesystemStore(tmp_path / "var" / "objects")
        archived(Archive(store, index), tmp_path, 3)
        index.engine.dispose()
        running = Deployment(tmp_path, url)
        yield running
        running.stop_all()


def test_a_bad_schedule_stops_the_command_naming_the_setting(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOSO_DATA_DIR": str(tmp_path / "var"),
           "HOSO_FIXITY_SCHEDULE": "every night"}  # fmt: skip
    done = run_hoso("fixity", "--json", env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert "HOSO_FIXITY_SCHEDULE" in done.stderr and "settings_invalid" in done.stdout + done.stderr


@pytest.mark.slow
def test_two_workers_run_each_scheduled_time_once(deployment: Deployment) -> None:
    ports = [free_port(), free_port()]
    for n, port in enumerate(ports):
        deployment.start(["worker", "--metrics-port", str(port)], f"w{n}",
                         HOSO_FIXITY_SCHEDULE="* * * * * *", HOSO_PAGE_PROCESSES="1")  # fmt: skip
    index = RecordIndex(deployment.database_url)
    rounds: list[Event] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len({e.detail["scheduled_at"] for e in rounds}) < 4:
        time.sleep(0.5)
        with index.sessions() as session:
            rounds = list(
                session.scalars(select(Event).where(Event.event_type == EventType.FIXITY_STARTED))
            )
    both_up = all(
        "scheduled: hoso-fixity-sampling" in (deployment.folder / f"w{n}.log").read_text()
        for n in range(2)
    )
    scraped = [httpx.get(f"http://127.0.0.1:{port}/metrics").text for port in ports]
    deployment.start(["worker"], "w2", HOSO_FIXITY_SCHEDULE="off", HOSO_PAGE_PROCESSES="1")
    turned_off = wait_for_line(deployment.folder / "w2.log", "scheduled: nothing")
    left = schedules(deployment)
    deployment.stop_all()
    index.engine.dispose()
    per_time = Counter(e.detail["scheduled_at"] for e in rounds)
    assert both_up and len(per_time) >= 4, deployment.logs()
    assert set(per_time.values()) == {1}, per_time  # each second's run once, by one worker
    assert any('hoso_scheduled_last_run_timestamp_seconds{job="fixity"}' in m for m in scraped)
    sampled = [
        float(line.split()[-1])
        for m in scraped
        for line in m.splitlines()
        if line.startswith("hoso_fixity_sampled_objects_total")
    ]
    assert sum(sampled) >= 4  # at least one object a run (1 % of 3, rounded up)
    assert turned_off and left == [], deployment.logs()  # `off` deletes it for every worker


def wait_for_line(log: Path, line: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and line in log.read_text():
            return True
        time.sleep(0.5)
    return False


def schedules(deployment: Deployment) -> list[str]:
    """The schedules in the jobs database (where every worker's scheduler reads them)."""
    if deployment.database_url.startswith("sqlite"):
        url, table = f"sqlite:///{deployment.folder / 'var' / 'dbos.sqlite'}", "workflow_schedules"
    else:
        url, table = deployment.database_url, "dbos.workflow_schedules"
    engine = create_engine(url)
    with engine.connect() as connection:
        names = list(connection.scalars(text(f"SELECT schedule_name FROM {table}")))
    engine.dispose()
    return names


def test_the_fixity_status_of_a_province_shows_its_own_objects_only(
    archive: Archive, tmp_path: Path
) -> None:
    papers = {}
    for name, province in [("a", "48"), ("b", "48"), ("c", "01")]:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(f"%PDF paper {name}".encode())
        papers[name] = archive.ingest(path, "station", province_code=province)
    corrupt(archive.store, papers["a"].original.key)
    settings = ScheduleSettings(fixity="30 1 * * *", fixity_fraction=1.0)
    ScheduledWork(archive, settings, "worker:w1").sample_fixity(dt.datetime.now(dt.UTC))
    jobs = archive.index.url if archive.index.is_postgres else f"sqlite:///{tmp_path / 'j.db'}"
    queue = JobQueue(jobs)
    client = TestClient(create_app(Services(archive, queue, fixity_period_days=30)))
    tokens = Tokens(archive.index)
    try:
        seen = {}
        callers: list[tuple[str, str | None]] = [
            ("archivist48", "48"), ("archivist01", "01"), ("root", None)
        ]  # fmt: skip
        for who, scope in callers:
            role = Role.ADMIN if scope is None else Role.ARCHIVIST
            token = tokens.create(who, role, scope, "test")[1]
            answer = client.get("/api/v1/fixity", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
            seen[who] = answer.json()
    finally:
        client.close()
        queue.close()
    mine = seen["archivist48"]
    assert mine["coverage"] == {"period_days": 30, "checked": 2, "total": 2, "rate": 1.0}
    assert [(p["object_key"], p["outcome"], p["document_ids"]) for p in mine["open_problems"]] == [
        (papers["a"].original.key, "changed", [papers["a"].document_id])
    ]
    # the round's own size is the installation's: a province's archivist learnt from it how
    # much the others hold (a reviewing helper's finding); it sees its own objects' checks
    assert mine["latest_round"]["planned"] is None and mine["latest_round"]["scheduled_at"]
    assert mine["latest_round"]["checked"] == 2
    assert seen["archivist01"]["open_problems"] == []
    assert seen["archivist01"]["coverage"]["total"] == 1
    assert seen["archivist01"]["latest_round"]["checked"] == 1
    assert seen["root"]["coverage"]["total"] == 3
    assert (seen["root"]["latest_round"]["planned"], seen["root"]["latest_round"]["checked"]) == (
        3,
        3,
    )


app = foundation.app  # the desk UI in this process with the test accounts, on both databases


def test_the_archivists_page_keeps_a_sampled_problem_until_it_is_checked_again(
    app: foundation.App, tmp_path: Path
) -> None:
    """Last night's sample found a changed object; tonight's sample checked others only. The
    page shows tonight's round and still lists the changed object."""
    archive = app.services.archive
    keys = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(f"%PDF paper {name}".encode())
        keys.append(archive.ingest(path, "station", province_code="48").original.key)
    corrupt(archive.store, keys[1])  # checked after the sound one, so newer tonight
    night = ScheduleSettings(fixity="30 1 * * *", fixity_fraction=1.0)
    ScheduledWork(archive, night, "worker:w1").sample_fixity(dt.datetime.now(dt.UTC))
    tonight = ScheduleSettings(fixity="30 1 * * *", fixity_fraction=0.5)
    summary = ScheduledWork(archive, tonight, "worker:w2").sample_fixity(
        dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    )
    assert summary["checked"] == 1 and summary["problems"] == []  # the sound one, older now
    foundation.login(app.client, "luutru-48")
    home = app.client.get("/archivist").text
    assert "worker:w2" in home  # the latest round is tonight's sample
    assert re.findall(r"<td><code>([^<]+)</code></td>", home) == [keys[1]]
