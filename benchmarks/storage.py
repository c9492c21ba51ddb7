"""`python -m benchmarks.storage`: object store put/get rates (folder and real S3) and search
latency of the record index over N generated Vietnamese documents (SQLite and PostgreSQL).

Writes benchmarks/results/storage.{json,md}.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import insert, text

from hoso.files import sha256_file
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.objects import ObjectStore, original_key
from hoso.storage.s3_store import S3Settings, S3Store
from hoso.storage.schema import Document, DocumentText
from hoso.storage.textfold import fold
from tests.databases import fresh_database, postgres_available
from tests.s3server import running_weed, weed_binary
from tests.synthetic import PLACES, SENTENCES, TITLES, person_name

REPO = Path(__file__).resolve().parent.parent
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def object_rates(store: ObjectStore, folder: Path, count: int, size: int) -> dict[str, float]:
    files = []
    for i in range(count):
        path = folder / f"obj{i}.bin"
        path.write_bytes(os.urandom(size))
        files.append((path, original_key(sha256_file(path), path.name)))
    start = time.perf_counter()
    for path, key in files:
        store.put_file(key, path)
    put = time.perf_counter() - start
    start = time.perf_counter()
    for _, key in files:
        with store.open(key) as stream:
            while stream.read(1 << 20):
                pass
    get = time.perf_counter() - start
    return {"objects": count, "object_kb": size // 1024, "put_per_s": round(count / put, 1),
            "get_per_s": round(count / get, 1)}  # fmt: skip


def fill_index(index: RecordIndex, documents: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    batch = 5000
    for start in range(0, documents, batch):
        docs, texts = [], []
        for number in range(start, min(start + batch, documents)):
            name = person_name(rng)
            header = [rng.choice(TITLES), f"Họ và tên: {name}", f"Nơi cư trú: {rng.choice(PLACES)}"]
            body = "\n".join([*header, *rng.sample(SENTENCES, 3)])
            docs.append(
                {
                    "id": number + 1,
                    "title": f"Hồ sơ {number + 1}",
                    "original_key": f"k{number}",
                    "original_sha256": f"{number:064d}",
                    "status": "done",
                }
            )
            texts.append({"document_id": number + 1, "text": body, "folded": fold(body)})
        with index.session() as session:
            session.execute(insert(Document), docs)
            session.execute(insert(DocumentText), texts)
            if not index.is_postgres:
                session.execute(
                    text("INSERT INTO document_fts(rowid, folded) VALUES (:document_id, :folded)"),
                    texts,
                )
    if index.is_postgres:
        with index.engine.begin() as connection:
            connection.execute(text("ANALYZE document_text"))


def search_latency(index: RecordIndex, queries: list[str], repeats: int = 3) -> dict[str, Any]:
    timings, totals = [], []
    for _ in range(repeats):
        for query in queries:
            start = time.perf_counter()
            page = index.search_text(query, limit=20)
            timings.append((time.perf_counter() - start) * 1000)
            totals.append(page.total)
    timings.sort()
    return {"queries": len(timings), "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
            "mean_hits": round(statistics.fmean(totals))}  # fmt: skip


QUERIES = ["nguyen van an", "tran thi thao", "da nang", "khai sinh", "Hồ sơ hợp lệ", "le minh phuc",
           "uy ban nhan dan", "quyet dinh", "hue", "thoi han giai quyet"]  # fmt: skip


@app.command()
def main(
    documents: Annotated[int, typer.Option(min=1000, help="Documents to index.")] = 100_000,
    objects: Annotated[int, typer.Option(min=10, help="Objects to put and get per store.")] = 300,
    object_kb: Annotated[int, typer.Option(min=1, help="Object size.")] = 200,
    results: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results",
) -> None:
    report: dict[str, Any] = {"documents": documents, "stores": {}, "search": {}}
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        report["stores"]["folder"] = object_rates(
            FilesystemStore(work / "fs"), work, objects, object_kb * 1024
        )
        if weed_binary() is not None:
            (work / "weed").mkdir()
            with running_weed(work / "weed") as settings:
                s3 = S3Store(S3Settings(**{**settings.__dict__, "bucket": "bench"}))
                s3.ensure_bucket()
                report["stores"]["s3 (SeaweedFS, loopback)"] = object_rates(
                    s3, work, objects, object_kb * 1024
                )
        kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
        for kind in kinds:
            with fresh_database(kind, work) as url:
                index = RecordIndex(url)
                index.migrate()
                start = time.perf_counter()
                fill_index(index, documents)
                filled = time.perf_counter() - start
                report["search"][kind] = search_latency(index, QUERIES) | {
                    "index_build_s": round(filled, 1)
                }
                index.engine.dispose()
    results.mkdir(parents=True, exist_ok=True)
    (results / "storage.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [f"# Storage benchmark ({documents} documents indexed)", "",
             "| store | objects | KB each | put/s | get/s |", "|---|---|---|---|---|"]  # fmt: skip
    for name, row in report["stores"].items():
        cells = [name, row["objects"], row["object_kb"], row["put_per_s"], row["get_per_s"]]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    lines += ["", "| index | queries | median ms | p95 ms | mean hits | build s |"]
    lines += ["|" + "---|" * 6]
    for name, row in report["search"].items():
        keys = ("queries", "median_ms", "p95_ms", "mean_hits", "index_build_s")
        lines.append("| " + " | ".join([name, *(str(row[k]) for k in keys)]) + " |")
    (results / "storage.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    app()
