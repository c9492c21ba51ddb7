"""Reuse: fields recorded, the review queue, a person's best values and a procedure's form
prefilled from valid papers only, on SQLite and PostgreSQL; and the same through `hoso ingest` /
`hoso person` on real papers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from hoso.digitize.fields.extract import DocumentFields, FieldValue, value_problems
from hoso.errors import ExitCode
from hoso.storage.index import RecordIndex
from hoso.storage.procedures import FormField, Procedure, load_catalogue
from hoso.storage.reuse import InvalidValueError, Reuse
from hoso.storage.schema import Document, Person
from tests.cli import run_hoso
from tests.databases import fresh_database
from tests.synthetic_documents import make_document

CITIZEN = "048203001234"
CATALOGUE = load_catalogue()  # the packaged one


@pytest.fixture()
def reuse(index: RecordIndex) -> Reuse:
    return Reuse(index)


def document(reuse: Reuse, title: str, province: str | None = None) -> int:
    with reuse.index.session() as session:
        row = Document(title=title, original_key=f"k/{title}", original_sha256=title.ljust(64, "0"),
                       province_code=province)  # fmt: skip
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
    assert reuse.person("001099000000", "officer:binh") is None


def test_each_procedure_gets_the_fields_its_form_takes_and_what_is_missing(reuse: Reuse) -> None:
    form, extract = document(reuse, "form"), document(reuse, "extract")
    on_form = fields(
        id_number=(CITIZEN, 0.9), full_name=("Trần Thị Ánh", 0.9),
        date_of_birth=("05/03/2003", 0.9), sex=("Nữ", 0.9), address=("Tổ 3, Hải Châu", 0.9),
        phone=("0905123456", 0.6),
    )  # fmt: skip
    on_extract = fields(
        id_number=(CITIZEN, 0.86), full_name=("TRẦN THỊ ÁNH", 0.86),
        father_name=("TRẦN VĂN BA", 0.86), mother_name=("LÊ THỊ TƯ", 0.86),
    )  # fmt: skip
    reuse.record_fields(form, DocumentFields("application", 0.9, on_form), "worker")
    reuse.record_fields(extract, DocumentFields("birth_extract", 0.9, on_extract), "worker")

    residence = reuse.prefill(CITIZEN, CATALOGUE.find("permanent-residence"), "officer:lan")
    business = reuse.prefill(CITIZEN, CATALOGUE.find("1.001612"), "officer:lan")
    copy = reuse.prefill(CITIZEN, CATALOGUE.find("2.000635.000.00.00.H30"), "officer:lan")
    assert residence is not None and business is not None and copy is not None
    assert list(residence["fields"]) == ["full_name", "date_of_birth", "sex", "id_number", "phone"]
    assert residence["missing"] == [] and residence["reused_documents"] == [form]
    assert residence["procedure"] == {
        "key": "permanent-residence", "code": "1.004222", "name": "Đăng ký thường trú"
    }  # fmt: skip
    phone = residence["fields"]["phone"]  # read at 0.6: used, but marked as waiting for review
    assert (phone["value"], phone["status"], phone["reviewed"]) == (
        "0905123456", "needs_review", False,
    )  # fmt: skip
    assert business["missing"] == ["tax_code"]  # no paper carries the MST the form needs
    assert business["fields"]["tax_code"] == {
        "field": "tax_code", "required": True, "value": None, "confidence": None,
        "source_document_id": None, "reviewed": False, "status": None, "contradicts_id": False,
    }  # fmt: skip
    assert copy["fields"]["father_name"]["value"] == "TRẦN VĂN BA"
    assert copy["fields"]["father_name"]["source_document_id"] == extract
    assert copy["fields"]["full_name"]["source_document_id"] == form  # more confident
    assert copy["reused_documents"] == [form, extract]
    assert "father_name" not in residence["fields"] and "address" not in residence["fields"]
    assert residence["applicant"]["id_number"]["source_document_id"] == form  # as before
    # An agency's e-form names its own fields; the values come from the person field named.
    own = Procedure(
        "agency-form", "Mẫu riêng", None,
        (FormField("hoTen", "full_name", True), FormField("mst", "tax_code", True)),
    )  # fmt: skip
    filled = reuse.prefill(CITIZEN, own, "officer:lan")
    assert filled is not None and filled["fields"]["hoTen"]["value"] == "Trần Thị Ánh"
    assert filled["missing"] == ["mst"]


def test_an_expired_id_cards_values_are_not_reused(reuse: Reuse) -> None:
    old_card, form = document(reuse, "old card"), document(reuse, "form")
    card_fields = dict(
        id_number=(CITIZEN, 0.99), full_name=("TRẦN THỊ ÁNH", 0.99),
        date_of_birth=("05/03/2003", 0.99), sex=("Nữ", 0.99),
    )  # fmt: skip
    expired = fields(**card_fields, address=("Thôn 1, Hòa Vang", 0.99),
                     date_of_expiry=("05/03/2021", 0.99))  # fmt: skip
    reuse.record_fields(old_card, DocumentFields("id_card", 0.95, expired), "worker")
    on_form = fields(id_number=(CITIZEN, 0.9), full_name=("Trần Thị Ánh", 0.9),
                     address=("Tổ 3, Hải Châu", 0.9))  # fmt: skip
    reuse.record_fields(form, DocumentFields("application", 0.9, on_form), "worker")
    card = CATALOGUE.find("id-card")

    first = reuse.prefill(CITIZEN, card, "officer:lan")
    assert first is not None and first["expired_documents"] == [old_card]
    assert first["fields"]["address"]["value"] == "Tổ 3, Hải Châu"  # the form's, not the card's
    assert first["fields"]["full_name"]["source_document_id"] == form
    assert first["missing"] == ["date_of_birth", "sex"]  # only the expired card had them
    assert first["reused_documents"] == [form]

    new_card = document(reuse, "new card")
    valid = fields(**card_fields, address=("Tổ 9, Sơn Trà", 0.99),
                   date_of_expiry=("05/03/2063", 0.99))  # fmt: skip
    reuse.record_fields(new_card, DocumentFields("id_card", 0.95, valid), "worker")
    second = reuse.prefill(CITIZEN, card, "officer:lan")
    assert second is not None and second["missing"] == []
    assert second["fields"]["address"]["value"] == "Tổ 9, Sơn Trà"
    assert second["fields"]["date_of_birth"]["source_document_id"] == new_card
    assert second["expired_documents"] == [old_card]
    assert old_card not in second["reused_documents"]


def test_a_value_the_id_number_denies_loses_to_one_it_confirms_or_says_so(reuse: Reuse) -> None:
    """Hole: the person page took each field's most confident value from any paper, so a noisy
    extract's "Nữ" (and its misread year) beside a card's "Nam" made a person whose sex the ID
    number itself denies (its fourth digit, 2: a man born in the 2000s, here 2003), prefilled
    into a new application without a word."""
    extract, card = document(reuse, "extract"), document(reuse, "card")
    on_extract = fields(id_number=(CITIZEN, 0.99), full_name=("Lê Văn Hùng", 0.99),
                        sex=("Nữ", 0.99), date_of_birth=("05/03/2008", 0.99))  # fmt: skip
    reuse.record_fields(extract, DocumentFields("birth_extract", 0.9, on_extract), "worker")
    alone = reuse.person(CITIZEN, "officer:lan")
    assert alone is not None
    assert (alone.fields["sex"].value, alone.fields["sex"].contradicts_id) == ("Nữ", True)
    assert alone.fields["date_of_birth"].contradicts_id
    assert not alone.fields["full_name"].contradicts_id

    on_card = fields(id_number=(CITIZEN, 0.9), full_name=("LÊ VĂN HÙNG", 0.9),
                     sex=("Nam", 0.8), date_of_birth=("05/03/2003", 0.8))  # fmt: skip
    reuse.record_fields(card, DocumentFields("id_card", 0.9, on_card), "worker")
    both = reuse.person(CITIZEN, "officer:lan")
    assert both is not None
    chosen = [both.fields[name] for name in ("sex", "date_of_birth")]
    assert [(best.value, best.document_id, best.contradicts_id) for best in chosen] == [
        ("Nam", card, False),
        ("05/03/2003", card, False),
    ]

    form = reuse.prefill(CITIZEN, CATALOGUE.find("id-card"), "officer:lan")
    assert form is not None
    assert (form["fields"]["sex"]["value"], form["fields"]["sex"]["contradicts_id"]) == (
        "Nam",
        False,
    )


def test_the_person_command_says_which_values_the_id_number_denies(tmp_path: Path) -> None:
    database = tmp_path / "hoso.sqlite"
    index = RecordIndex(f"sqlite:///{database}")
    index.migrate()
    extract = document(Reuse(index), "extract")
    on_extract = fields(id_number=(CITIZEN, 0.99), sex=("Nữ", 0.99))
    Reuse(index).record_fields(extract, DocumentFields("birth_extract", 0.9, on_extract), "w")
    env = {
        **os.environ,
        "HOSO_DATA_DIR": str(tmp_path),
        "HOSO_DATABASE_URL": f"sqlite:///{database}",
    }
    shown = run_hoso("person", CITIZEN, env=env).stdout
    assert "Nữ" in shown and "the ID number says otherwise" in shown
    data = json.loads(run_hoso("person", CITIZEN, "--json", env=env).stdout)
    assert data["fields"]["sex"]["contradicts_id"] is True
    assert data["fields"]["id_number"]["contradicts_id"] is False


def test_a_prefill_is_an_event_naming_the_procedure_and_papers_not_values(reuse: Reuse) -> None:
    form = document(reuse, "form", province="48")
    values = dict(id_number=(CITIZEN, 0.9), full_name=("Trần Thị Ánh", 0.9),
                  date_of_birth=("05/03/2003", 0.9), phone=("0905123456", 0.9))  # fmt: skip
    reuse.record_fields(form, DocumentFields("application", 0.9, fields(**values)), "worker")
    procedure = CATALOGUE.find("birth-registration")
    reuse.prefill(CITIZEN, procedure, "officer:lan", desk_id=None, province_code="48")
    (event,) = [e for e in reuse.index.events() if e.event_type == "prefilled"]
    assert (event.agent, event.outcome) == ("officer:lan", "success")
    assert event.detail == {"procedure": "birth-registration", "documents": [form],
                            "province": "48"}  # fmt: skip
    logged = json.dumps(event.detail, ensure_ascii=False)
    assert not [value for value, _ in values.values() if value in logged]
    assert reuse.prefill("001099000000", procedure, "officer:lan") is None
    assert [e.event_type for e in reuse.index.events()].count("prefilled") == 1


@pytest.mark.slow
def test_cli_ingest_then_person_and_prefill_from_a_real_paper(tmp_path: Path) -> None:
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
    assert data["fields"]["date_of_expiry"]["value"] == card.fields["date_of_expiry"]
    asked = ("person", citizen, "--prefill", "id-card")
    prefill = json.loads(run_hoso(*asked, "--json", env=env).stdout)
    # The generator's cards expire at 25 (2007 here): the only paper is not valid for reuse.
    card_id = data["documents"][0]["document_id"]
    assert prefill["expired_documents"] == [card_id]
    assert prefill["missing"] == ["full_name", "date_of_birth", "sex", "id_number"]
    lines = run_hoso(*asked, env=env).stdout  # for a person: lines, not JSON
    assert not lines.lstrip().startswith("{")
    assert "ask the citizen for: full_name, date_of_birth, sex, id_number" in lines
    assert f"set aside (ID card expired): {card_id}" in lines
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


def test_a_correction_carrying_markup_is_refused(reuse: Reuse) -> None:
    """Hole: a reviewer's "Nguyễn <img src=x onerror=alert(21)> An" was saved and went into the
    prefill JSON other systems' forms take (hoso's own pages escape it; theirs may not)."""
    doc = document(reuse, "form")
    found = fields(id_number=(CITIZEN, 0.9), full_name=("Nguyen Van An", 0.6))
    reuse.record_fields(doc, DocumentFields("application", 0.9, found), "worker")
    (queued,) = reuse.review_queue()
    marked = "Nguyễn <img src=x onerror=alert(21)> An"
    with pytest.raises(InvalidValueError, match="angle brackets"):
        reuse.review(queued.id, "officer:lan", marked, value_problems)
    assert [f.value for f in reuse.review_queue()] == ["Nguyen Van An"]  # nothing changed
    reviewed = reuse.review(queued.id, "officer:lan", "Nguyễn Văn An", value_problems)
    assert reviewed.value == "Nguyễn Văn An"
