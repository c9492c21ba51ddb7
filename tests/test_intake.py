"""Intake and job processing without the job engine: every step may run twice (at least once
delivery) and must record its effect once; papers of one dossier are cross-checked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import Intake
from hoso.storage.schema import DerivedObject, Event, ExtractedField
from hoso.workflows.processing import Processor
from tests.synthetic import PageSpec, render_page, render_separator

DOSSIER = "000.00.48.H17-250301-0042"


def paper(path: Path, name: str, number: str, birth: str, seed: int) -> Path:
    lines = [
        ("bold", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("bold", "Độc lập - Tự do - Hạnh phúc"),
        ("bold", "TỜ KHAI ĐĂNG KÝ KHAI SINH"),
        ("serif", f"Họ và tên: {name}"),
        ("serif", f"Ngày, tháng, năm sinh: {birth}"),
        ("serif", f"Số định danh cá nhân: {number}"),
        ("serif", "Nơi cư trú: Tổ 3, phường Hải Châu, Đà Nẵng"),
    ]
    return render_page(PageSpec(seed=seed, dpi=200), lines).save(path)


def test_steps_run_twice_record_once_and_a_dossier_is_cross_checked(
    index: RecordIndex, tmp_path: Path
) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("desk 2", "48", "station:test")
    files = [
        render_separator(DOSSIER).save(tmp_path / "0.png"),
        paper(tmp_path / "1.png", "Trần Văn An", "048203001234", "05/03/2003", 1),
        paper(tmp_path / "2.png", "Trần Văn An", "048203009999", "05/03/2003", 2),
    ]
    for position, path in enumerate(files):
        with path.open("rb") as stream:
            intake.add_file(batch.id, stream, path.name, position, "station:test")
    intake.close(batch.id, "station:test")
    with PageRunner(Options(jobs=1)) as runner:
        processor = Processor(intake, runner, Options(jobs=1), "worker:test")
        planned = processor.plan(batch.id)
        assert processor.plan(batch.id) == planned and len(planned) == 2
        for document_id in planned:
            assert processor.process(document_id) == "done"
            assert processor.process(document_id) == "done"  # a replayed step: no new effect
    with index.sessions() as session:
        for document_id in planned:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(DerivedObject)
                    .where(DerivedObject.document_id == document_id, DerivedObject.kind == "pdfa")
                )
                == 1
            )
            names = list(
                session.scalars(
                    select(ExtractedField.name).where(ExtractedField.document_id == document_id)
                )
            )
            assert len(names) == len(set(names)) and "id_number" in names
        flagged = list(session.scalars(select(ExtractedField).where(
            ExtractedField.name == "id_number")))  # fmt: skip
        assert all(row.status == "needs_review" for row in flagged)
        assert all(any("048203001234" in p and "048203009999" in p for p in row.problems or [])
                   for row in flagged)  # fmt: skip
        checks = session.scalar(select(func.count()).select_from(Event).where(
            Event.event_type == "cross_checked"))  # fmt: skip
        assert checks == 1
