"""Reuse: fields recorded, the review queue, a person's best values and an e-form prefill, on
SQLite and PostgreSQL; and the same through `hoso ingest` / `hoso person` on real papers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from hoso.digitize.fields.extract import DocumentFields, FieldValue
from hoso.errors import ExitCode
from hoso.storage.index import RecordIndex
from hoso.storage.reuse import Reuse
from hoso.storage.schema import Document, Person
from tests.cli import run_hoso
from tests.databases import fresh_database
from tests.synthetic_documents import make_document

CITIZEN = "048203001234"


@pytest.fixture()
def reuse(index: RecordIndex) -> Reuse:
    return Reuse(index)


def document(reuse: Reuse, title: str) -> int:
    with reuse.index.session() as session:
        row = Document(title=title, original_key=f"k/{title}", original_sha256=title.ljust(64, "0"))
        session.add(row)
        session.flush()
        return row.id


def fields(**values: tuple[str, float]) -> dict[str, FieldValue]:
    return {
        name: FieldValue(value, confidence, "label") for name, (value, confidence) in values.items()
    }


def test_doubtful_values_wait_for_review_and_decisions_are_events(reuse: Reuse) -> None:
    doc = document(reuse, "form")
    found = fields(
        id_number=(CITIZEN, 0.9), full_name=("Nguyen Van An", 0.6), phone=("0905123456", 0.95)
    )
    reuse.record_fields(doc, DocumentFields("application", 0.9, found), "worker")
    queue = reuse.review_queue()
    assert [(f.name, f.value) for f in queue] == [("full_name", "Nguyen Van An")]
    corrected = reuse.review(queue[0].id, "officer:lan", "Nguyễn Văn An")
    assert (corrected.status, corrected.value, corrected.confidence) == (
        "corrected",
        "Nguyễn Văn An",
        1.0,
    )
    assert reuse.review_queue() == []
    review = [e for e in reuse.index.events(document_id=doc) if e.event_type == "reviewed"]
    assert review[0].detail == {
        "field": "full_name",
        "before": "Nguyen Van An",
        "after": "Nguyễn Văn An",
    }
    with reuse.index.sessions() as session:  # the record of the paper's province (none here)
        people = session.scalars(select(Person).where(Person.citizen_id == CITIZEN)).all()
    assert [(p.province_code, p.name) for p in people] == [(None, "Nguyễn Văn An")]


def test_person_gets_best_values_across_documents_and_the_read_is_logged(reuse: Reuse) -> None:
    form, card = document(reuse, "form"), document(reuse, "card")
    on_form = fields(
        id_number=(CITIZEN, 0.9),
        full_name=("Trần Thị Ánh", 0.9),
        address=("Tổ 3, Hải Châu", 0.88),
        phone=("0905123456", 0.9),
    )
    on_card = fields(
        id_number=(CITIZEN, 0.99),
        full_name=("TRẦN THỊ ÁNH", 0.99),
        date_of_birth=("05/03/2003", 0.99),
    )
    reuse.record_fields(form, DocumentFields("application", 0.9, on_form), "worker")
    reuse.record_fields(card, DocumentFields("id_card", 0.95, on_card), "worker")
    record = reuse.person(CITIZEN, "officer:binh", desk_id=None)
    assert record is not None
    assert record.fields["full_name"].value == "TRẦN THỊ ÁNH"  # the QR-grade card wins
    assert record.fields["phone"].document_id == form
    assert {d["document_id"] for d in record.documents} == {form, card}
    reads = [e for e in reuse.index.events() if e.event_type == "person_read"]
    assert reads[-1].agent == "officer:binh" and reads[-1].detail["citizen_id"] == CITIZEN
    form_json = reuse.prefill(CITIZEN, "1.001234", "officer:binh")
    assert form_json is not None and form_json["procedure_code"] == "1.001234"
    assert form_json["applicant"]["date_of_birth"]["value"] == "05/03/2003"
    assert form_json["applicant"]["address"]["source_document_id"] == form
    assert reuse.person("001099000000", "officer:binh") is None


@pytest.mark.slow
def test_cli_ingest_then_person_prefills_from_real_papers(tmp_path: Path) -> None:
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    env.pop("HOSO_DATABASE_URL", None)
    env.pop("HOSO_S3_ENDPOINT", None)
    card = make_document("id_card", 3)
    citizen = card.fields["id_number"]
    paths = [card.page.save(tmp_path / "card.png")]

    ingested = run_hoso("ingest", *paths, "--json", "--quiet", "--province", "48", env=env)
    assert json.loads(ingested.stdout.splitlines()[0])["doc_type"] == "id_card"
    shown = run_hoso("person", citizen, "--json", "--agent", "officer:lan", env=env)
    data = json.loads(shown.stdout)
    assert data["fields"]["full_name"]["value"] == card.fields["full_name"]
    prefill = json.loads(
        run_hoso("person", citizen, "--prefill", "1.001234", env=env, expect=None).stdout
    )
    assert prefill["applicant"]["id_number"]["value"] == citizen
    run_hoso("person", "001099000000", env=env, expect=ExitCode.FAILURE)


@pytest.mark.slow
def test_reviewer_crop_shows_the_value_on_the_page(tmp_path: Path) -> None:
    from hoso.digitize.models import Options
    from hoso.digitize.ocr.engine import create_engine
    from hoso.digitize.pipeline import digitize, write_outputs
    from hoso.storage.archive import Archive
    from hoso.storage.fs_store import FilesystemStore
    from hoso.storage.schema import ExtractedField
    from tests.metrics import normalize_text

    paper = make_document("application", 5, "mild")
    source = paper.page.save(tmp_path / "form.jpg")
    with fresh_database("sqlite", tmp_path) as url:
        index = RecordIndex(url)
        index.migrate()
        archive = Archive(FilesystemStore(tmp_path / "objects"), index)
        ingested = archive.ingest(source, "station:01")
        result = digitize([source], Options(jobs=1))
        write_outputs(result, tmp_path / "form.pdf", None, title="form.jpg")
        archive.add_derived(ingested.document_id, "pdfa", tmp_path / "form.pdf", "worker")
        assert result.fields is not None
        Reuse(index).record_fields(ingested.document_id, result.fields, "worker")
        with index.sessions() as session:
            address = session.query(ExtractedField).filter_by(name="address").one()
        crop = archive.field_crop(address.id, "officer:lan")
        assert crop.width < paper.page.image.width and crop.height < paper.page.image.height / 4
        read = create_engine("tesserocr", "vie", "best_int").recognize(crop.convert("L"), 200)
        seen = " ".join(w.text for w in read.words)
        assert normalize_text(paper.fields["address"]) in normalize_text(seen), seen
        reads = [
            e for e in index.events(document_id=ingested.document_id) if e.event_type == "retrieved"
        ]
        assert reads and reads[-1].detail["purpose"] == "review"
