"""`python -m benchmarks.ui_speed`: how fast the officer's search page and document list render
server-side with many documents in the index (issue 15: p95 ≤ 300 ms with 100,000 on
PostgreSQL).

The index is seeded in bulk straight into the storage tables (documents with Vietnamese text,
fields, desks and batches, across every province, the benchmark officer's province holding a
large share, as a big city's does), then each page is asked through the real app (FastAPI's
TestClient: routing, session, audit event, templates; no network) as a logged-in officer.
An empty database is migrated first; without `--database` a temporary SQLite file is used.

Writes benchmarks/results/ui_speed.{json,md} (or `--results`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text

from hoso.api.app import create_app
from hoso.api.deps import Services
from hoso.storage.accounts import Accounts
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.schema import Batch, Desk, Document, DocumentText, ExtractedField, Province
from hoso.storage.textfold import fold
from hoso.workflows.queue import JobQueue
from tests.synthetic import PLACES, SENTENCES, TITLES, person_name
from tests.web import CHEAP_HASHER, PASSWORD

REPO = Path(__file__).resolve().parent.parent
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

OFFICER = "canbo-benchmark"
HOME_PROVINCE = "79"  # the officer's: a big city's share of the papers
HOME_SHARE = 0.4
CHUNK = 5000
DOC_TYPES = ["application", "id_card", "birth_extract", "decision", "other"]
TARGET_P95_MS = 300.0
NOTES = (
    'At 100,000 documents a common word ("khai sinh": 59% of them) is the slow '
    "case: each match's text vector is read to rank it. It was p95 447 ms while the page was "
    "a count query plus a page query over whole rows, the rank's vector carried up to a sort "
    "that spilled to disk; one pass over narrow rows (ids, rank, a window count; the rank "
    "computed as each text is read) and then the page's 20 documents brought it under the "
    "target without a new index (`Records.find_documents`)."
)


@dataclass(frozen=True)
class Sample:
    """Values of one seeded document in the officer's province, to search for."""

    name: str
    citizen_id: str


def seed(index: RecordIndex, documents: int, rng: random.Random) -> Sample:
    """`documents` documents with text and fields, in bulk (`CHUNK` rows a statement)."""
    with index.session() as session:
        provinces = list(session.scalars(select(Province.code).order_by(Province.code)))
        desks = [
            {"province_code": p, "name": f"Bộ phận một cửa {n} ({p})"}
            for p in provinces for n in (1, 2)
        ]  # fmt: skip
        session.execute(insert(Desk), desks)
        desk_ids = {
            p: ids
            for p in provinces
            if (ids := list(session.scalars(select(Desk.id).where(Desk.province_code == p))))
        }
    batch_of = _batches(index, desk_ids, documents)
    sample: Sample | None = None
    for start in range(1, documents + 1, CHUNK):
        rows, texts, fields = [], [], []
        for number in range(start, min(start + CHUNK, documents + 1)):
            province = HOME_PROVINCE if rng.random() < HOME_SHARE else rng.choice(provinces)
            name = person_name(rng)
            citizen = f"0{province}{rng.choice('0123')}{rng.randint(0, 99_999_999):08d}"
            body = "\n".join([
                rng.choice(TITLES), f"Họ và tên: {name}", f"Số định danh cá nhân: {citizen}",
                f"Nơi cư trú: {rng.choice(PLACES)}", *rng.sample(SENTENCES, 3),
            ])  # fmt: skip
            rows.append({
                "id": number, "title": f"{name} - {number}.pdf", "doc_type": rng.choice(DOC_TYPES),
                "pages": 1, "original_key": f"bench/{number}", "original_sha256": f"{number:064x}",
                "status": "done", "province_code": province,
                "batch_id": rng.choice(batch_of[province]),
                "created_at": _moment(number, documents),
            })  # fmt: skip
            texts.append({"document_id": number, "text": body, "folded": fold(body)})
            for field, value in (("full_name", name), ("id_number", citizen)):
                fields.append({
                    "document_id": number, "name": field, "value": value, "confidence": 0.95,
                    "status": "extracted", "source": "text",
                })  # fmt: skip
            if province == HOME_PROVINCE and sample is None:
                sample = Sample(name, citizen)
        _insert_chunk(index, rows, texts, fields)
    if index.is_postgres:
        with index.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    assert sample is not None, "no document in the officer's province"
    return sample


def _batches(
    index: RecordIndex, desk_ids: dict[str, list[int]], documents: int
) -> dict[str, list[int]]:
    """A batch for every ~200 documents of each province (on its desks): what the desk filter
    and the list's desk column join through."""
    per_province = max(1, documents // (200 * len(desk_ids)))
    rows = [
        {"name": f"Lô {p}-{n}", "desk_id": ids[n % len(ids)], "status": "closed",
         "province_code": p}
        for p, ids in desk_ids.items() for n in range(per_province)
    ]  # fmt: skip
    with index.session() as session:
        session.execute(insert(Batch), rows)
        found = session.execute(select(Batch.province_code, Batch.id)).all()
    batches: dict[str, list[int]] = {}
    for province, batch_id in found:
        batches.setdefault(province or "", []).append(batch_id)
    return batches


def _moment(number: int, documents: int) -> dt.datetime:
    """Received over the last year, in the order of the ids."""
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return start + dt.timedelta(seconds=number * (365 * 86400 // max(documents, 1)))


def _insert_chunk(
    index: RecordIndex, rows: list[dict[str, Any]], texts: list[dict[str, Any]],
    fields: list[dict[str, Any]],
) -> None:  # fmt: skip
    with index.session() as session:
        session.execute(insert(Document), rows)
        session.execute(insert(DocumentText), texts)
        session.execute(insert(ExtractedField), fields)
        if not index.is_postgres:
            session.execute(
                text("INSERT INTO document_fts(rowid, folded) VALUES (:document_id, :folded)"),
                texts,
            )


def pages_to_time(sample: Sample) -> dict[str, str]:
    """The officer's typical asks: a name (typed without diacritics), an ID number, a word,
    the list newest first, the list by title far down, and a filtered list."""
    return {
        "search: a name": "/officer?" + urlencode({"q": fold(sample.name)}),
        "search: an ID number": "/officer?" + urlencode({"q": sample.citizen_id}),
        "search: a word": "/officer?" + urlencode({"q": "khai sinh"}),
        "list: newest first": "/officer",
        "list: by title, page 50": "/officer?sort=title&page=50",
        "list: one type, oldest first": "/officer?type=id_card&sort=oldest",
    }


def time_pages(client: TestClient, pages: dict[str, str], repeats: int) -> dict[str, Any]:
    """p50/p95 of each page's full answer (after one warm-up ask)."""
    report: dict[str, Any] = {}
    every: list[float] = []
    for label, path in pages.items():
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        every += timings
        report[label] = {"path": path, **_percentiles(timings)}
    report["all pages"] = _percentiles(every)
    return report


def _percentiles(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))], 1),
    }


@contextmanager
def logged_in_client(index: RecordIndex, work: Path) -> Iterator[TestClient]:
    """The app over `index`, with a logged-in officer of `HOME_PROVINCE`."""
    archive = Archive(FilesystemStore(work / "objects"), index, work / "spool")
    queue = JobQueue(f"sqlite:///{work / 'dbos.sqlite'}")
    services = Services(archive, queue)
    services.accounts = Accounts(index, hasher=CHEAP_HASHER)
    services.accounts.create(OFFICER, PASSWORD, "officer", HOME_PROVINCE, "benchmark")
    try:
        with TestClient(create_app(services)) as client:
            answer = client.post(
                "/login",
                data={"username": OFFICER, "password": PASSWORD},
                headers={"Origin": "http://testserver"},
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text[:500]
            yield client
    finally:
        queue.close()


def machine(index: RecordIndex) -> dict[str, Any]:
    """Where the numbers come from."""
    with index.engine.connect() as connection:
        engine = connection.execute(
            text(
                "SELECT version()" if index.is_postgres else "SELECT 'SQLite ' || sqlite_version()"
            )
        ).scalar_one()
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "database": str(engine).split(" on ")[0],
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Desk UI speed: the officer's search page and document list",
        "",
        f"{report['documents']:,} documents ({report['home_documents']:,} in the officer's "
        f"province {HOME_PROVINCE}) on {report['machine']['database']}; seeded in "
        f"{report['seed_s']} s. Each page {report['repeats']} times through the app "
        "(TestClient, logged in: session, audit event, templates), after one warm-up.",
        f"Machine: {report['machine']['cpus']} CPUs, {report['machine']['platform']}, "
        f"Python {report['machine']['python']}. Target: p95 ≤ {TARGET_P95_MS:.0f} ms.",
        "",
        "| page | p50 ms | p95 ms |",
        "|---|---:|---:|",
    ]
    for label, row in report["pages"].items():
        lines.append(f"| {label} | {row['p50_ms']} | {row['p95_ms']} |")
    lines += ["", NOTES, "", "Run: `" + report["command"] + "`", ""]
    return "\n".join(lines)


@app.command()
def main(
    documents: Annotated[int, typer.Option(min=10, help="Documents to seed.")] = 100_000,
    database: Annotated[
        str | None, typer.Option(help="An empty database's URL (default: a temporary SQLite).")
    ] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Asks per page.")] = 20,
    results: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results",
) -> None:
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        index = RecordIndex(database or f"sqlite:///{work / 'index.sqlite'}")
        index.migrate()
        start = time.perf_counter()
        sample = seed(index, documents, random.Random(15))
        seeded = round(time.perf_counter() - start, 1)
        with index.session() as session:
            home = session.scalar(
                select(func.count()).where(Document.province_code == HOME_PROVINCE)
            )
        with logged_in_client(index, work) as client:
            timed = time_pages(client, pages_to_time(sample), repeats)
        report = {
            "documents": documents,
            "home_documents": int(home or 0),
            "seed_s": seeded,
            "repeats": repeats,
            "machine": machine(index),
            "command": f"python -m benchmarks.ui_speed --documents {documents}"
            + (" --database postgresql+psycopg://…" if index.is_postgres else ""),
            "pages": timed,
        }
        index.engine.dispose()
    results.mkdir(parents=True, exist_ok=True)
    (results / "ui_speed.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (results / "ui_speed.md").write_text(markdown(report), encoding="utf-8")
    typer.echo(markdown(report))


if __name__ == "__main__":
    app()
