"""`python -m benchmarks.fields`: field precision and recall on synthetic documents with known
values, rendered and read by the real pipeline (OCR, QR), per document type and degradation
level, and per field, on the layouts the extractor was tuned on and, apart, on the held-out
layouts it never was (tests/synthetic_documents.py). Writes benchmarks/results/fields.{json,md}."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize, document_json
from hoso.storage.reuse import waits_for_review
from tests.synthetic_documents import HELD_OUT_LAYOUTS, TUNING_LAYOUTS, make_document

REPO = Path(__file__).resolve().parent.parent
SETS = {"tuning": TUNING_LAYOUTS, "held_out": HELD_OUT_LAYOUTS}
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@dataclass
class Tally:
    """Counts behind precision (correct / found) and recall (correct / printed)."""

    documents: int = 0
    classified: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # printed, found, correct

    def add(
        self,
        truth: dict[str, str],
        got: dict[str, str],
        typed: bool,
        doubted: frozenset[str] = frozenset(),
    ) -> None:
        """One document: its printed values, those read, whether its type was right, and which
        read values wait for review (`storage.reuse.waits_for_review`)."""
        self.documents += 1
        self.classified += typed
        wrong = {k for k, v in got.items() if truth.get(k) != v}
        self.counts.update(
            printed=len(truth),
            found=len(got),
            correct=len(got) - len(wrong),
            reviewed=len(doubted & got.keys()),
            slipped=len(wrong - doubted),
        )

    def row(self) -> dict[str, float | int | None]:
        printed, found, correct = (self.counts[k] for k in ("printed", "found", "correct"))
        precision = correct / found if found else None
        recall = correct / printed if printed else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision and recall
            else (0.0 if found or printed else None)
        )
        return {
            "documents": self.documents,
            "classified": round(self.classified / self.documents, 3) if self.documents else None,
            "precision": None if precision is None else round(precision, 3),
            "recall": None if recall is None else round(recall, 3),
            "f1": None if f1 is None else round(f1, 3),
            # of the values read: the share sent to an officer, and the share wrong yet not
            # sent (what reuse would take unchecked)
            "to_review": round(self.counts["reviewed"] / found, 3) if found else None,
            "wrong_unreviewed": round(self.counts["slipped"] / found, 3) if found else None,
        }


@dataclass(frozen=True)
class Reading:
    """What the pipeline made of one document, as a desk's reuse would take it."""

    doc_type: str
    values: dict[str, str]
    doubted: frozenset[str]  # values that wait for review


def read_document(document_path: Path) -> Reading:
    data = document_json(digitize([document_path], Options(jobs=1)))
    fields = data["fields"]
    return Reading(
        data["doc_type"],
        {k: v["value"] for k, v in fields.items()},
        frozenset(
            k for k, v in fields.items() if waits_for_review(v["confidence"], v.get("problems"))
        ),
    )


def run_set(
    layouts: dict[str, tuple[str, ...]], levels: list[str], seeds: range, work: Path
) -> tuple[dict[tuple[str, str], Tally], dict[str, Tally], dict[str, Tally]]:
    """Tallies per (level, type), per field (all levels) and per layout (all levels)."""
    by_cell: dict[tuple[str, str], Tally] = {}
    by_field: dict[str, Tally] = {}
    by_layout: dict[str, Tally] = {}
    for level in levels:
        suffix = "png" if level == "bilevel200" else "jpg"
        for doc_type, names in layouts.items():
            for layout in names:
                for seed in seeds:
                    document = make_document(doc_type, seed, level, layout=layout)
                    path = document.page.save(work / f"{doc_type}-{layout}-{seed}.{suffix}")
                    read = read_document(path)
                    truth, got, typed = document.fields, read.values, read.doc_type == doc_type
                    by_cell.setdefault((level, doc_type), Tally()).add(
                        truth, got, typed, read.doubted
                    )
                    by_layout.setdefault(f"{doc_type}/{layout}", Tally()).add(
                        truth, got, typed, read.doubted
                    )
                    for name in set(truth) | set(got):
                        one_truth = {name: truth[name]} if name in truth else {}
                        one_got = {name: got[name]} if name in got else {}
                        by_field.setdefault(name, Tally()).add(
                            one_truth, one_got, True, read.doubted & {name}
                        )
    return by_cell, by_field, by_layout


def _table(title: str, key_names: list[str], rows: list[dict[str, object]]) -> list[str]:
    scores = ["precision", "recall", "f1", "to_review", "wrong_unreviewed"]
    columns = [*key_names, "documents", "classified", *scores]
    if key_names == ["field"]:
        columns = ["field", *scores]
    out = [f"## {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return [*out, ""]


@app.command()
def main(
    per_layout: Annotated[int, typer.Option(min=1, help="Documents per layout and level.")] = 3,
    levels: Annotated[str, typer.Option()] = "clean,mild,degraded,bilevel200",
    results: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results",
) -> None:
    report: dict[str, dict[str, list[dict[str, object]]]] = {}
    markdown = ["# Field extraction on synthetic documents", ""]
    markdown.append(
        "Rendered pages read by the real pipeline. *held_out*: layouts the extractor was never "
        "tuned on (tests/synthetic_documents.py, `HELD_OUT_LAYOUTS`)."
    )
    markdown.append("")
    with tempfile.TemporaryDirectory() as work:
        for name, layouts in SETS.items():
            cells, fields, by_layout = run_set(
                layouts, levels.split(","), range(100, 100 + per_layout), Path(work)
            )
            report[name] = {
                "by_level_and_type": [
                    {"level": level, "doc_type": doc_type, **tally.row()}
                    for (level, doc_type), tally in cells.items()
                ],
                "by_field": [
                    {"field": field_name, **tally.row()}
                    for field_name, tally in sorted(fields.items())
                ],
                "by_layout": [{"layout": key, **tally.row()} for key, tally in by_layout.items()],
            }
            markdown += _table(
                f"{name}: per level and type",
                ["level", "doc_type"],
                report[name]["by_level_and_type"],
            )
            markdown += _table(
                f"{name}: per field, all levels", ["field"], report[name]["by_field"]
            )
            markdown += _table(
                f"{name}: per layout, all levels", ["layout"], report[name]["by_layout"]
            )
    results.mkdir(parents=True, exist_ok=True)
    (results / "fields.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (results / "fields.md").write_text("\n".join(markdown), encoding="utf-8")
    print("\n".join(markdown))


if __name__ == "__main__":
    app()
