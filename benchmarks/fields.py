"""`python -m benchmarks.fields`: field precision and recall per document type and degradation
level on synthetic documents with known values. Writes benchmarks/results/fields.{json,md}."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize, document_json
from tests.synthetic_documents import make_document

REPO = Path(__file__).resolve().parent.parent
TYPES = ["application", "decision", "birth_extract", "id_card"]
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(
    per_cell: Annotated[int, typer.Option(min=1, help="Documents per type and level.")] = 5,
    levels: Annotated[str, typer.Option()] = "clean,mild,degraded,bilevel200",
    results: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results",
) -> None:
    table = []
    with tempfile.TemporaryDirectory() as work:
        for level in levels.split(","):
            for doc_type in TYPES:
                truth_total = found_total = correct = typed = 0
                for seed in range(100, 100 + per_cell):
                    document = make_document(doc_type, seed, level)
                    suffix = "png" if level == "bilevel200" else "jpg"
                    source = document.page.save(Path(work) / f"{doc_type}-{seed}.{suffix}")
                    data = document_json(digitize([source], Options(jobs=1)))
                    got = {k: v["value"] for k, v in data["fields"].items()}
                    typed += data["doc_type"] == doc_type
                    truth_total += len(document.fields)
                    found_total += len(got)
                    correct += sum(1 for k, v in got.items() if document.fields.get(k) == v)
                table.append({
                    "level": level, "doc_type": doc_type, "documents": per_cell,
                    "classified": round(typed / per_cell, 3),
                    "precision": round(correct / found_total, 3) if found_total else None,
                    "recall": round(correct / truth_total, 3) if truth_total else None,
                })  # fmt: skip
    results.mkdir(parents=True, exist_ok=True)
    (results / "fields.json").write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    lines = [
        "| level | doc_type | documents | classified | precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    columns = ("level", "doc_type", "documents", "classified", "precision", "recall")
    for row in table:
        lines.append("| " + " | ".join(str(row[k]) for k in columns) + " |")
    title = "# Field extraction on synthetic documents\n\n"
    (results / "fields.md").write_text(title + "\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    app()
