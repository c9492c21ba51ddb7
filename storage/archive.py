"""The archive: object store + record index + event log, used together.

Configuration: `ArchiveSettings`, read and checked by `hoso.settings` with embedded defaults, so
one machine needs nothing (the variables: docs/settings.md).
"""

from __future__ import annotations

import io
import math
import stat
import tempfile
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pikepdf
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hoso.files import sha256_file
from hoso.settings import HosoSettings
from hoso.storage.fs_store import STALE_AFTER, FilesystemStore, remove_stale, remove_stale_folders
from hoso.storage.index import DEFAULT_CONNECTIONS, RecordIndex
from hoso.storage.objects import (
    FixityResult,
    ObjectMissingError,
    ObjectStore,
    StoredObject,
    derived_key,
    original_key,
    verify,
)
from hoso.storage.s3_store import S3Settings, S3Store
from hoso.storage.schema import BatchFile, DerivedObject, Document, Dossier, Event, ExtractedField
from hoso.storage.vocabulary import DocumentStatus, EventType, Outcome

SPOOL_PREFIX = "upload-"  # uploads being hashed before they go to the store
EXPORT_PREFIX = "hoso-export-"  # bags built for a download (POST /exports)
WORK_PREFIX = "hoso-work-"  # a step's files on their way into the store (results, renewals)
# A bag's folder is written while it is built, then only read while it downloads: a day
# outlasts any download, and a killed server's bag (originals: personal data) goes then;
# so do a killed step's files (signed copies).
FOLDER_STALE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ArchiveSettings:
    """Where the archive lives. Read from the environment by `hoso.settings` (the one place
    that reads and checks `HOSO_*`); the classmethods here only shape what it read."""

    data_dir: Path
    database_url: str
    s3: S3Settings | None
    connections: int = DEFAULT_CONNECTIONS  # to the index at once (`RecordIndex`)

    @classmethod
    def from_environment(cls) -> ArchiveSettings:
        return cls.from_settings(HosoSettings.from_environment())

    @classmethod
    def from_environment_of(cls, env: Mapping[str, str]) -> ArchiveSettings:
        return cls.from_settings(HosoSettings.from_environment(env))

    @classmethod
    def from_settings(cls, settings: HosoSettings) -> ArchiveSettings:
        s3 = None
        if settings.s3_endpoint:
            s3 = S3Settings(
                endpoint=settings.s3_endpoint,
                access_key=settings.s3_access_key,
                secret_key=settings.s3_secret_key,
                bucket=settings.s3_bucket,
                secure=settings.s3_secure,
            )
        return cls(settings.data_dir, settings.index_database_url, s3)


def _owner_only(data_dir: Path) -> None:
    """Close the data folder to everyone but its owner (0700) and take group and other bits off
    what lies directly in it (the SQLite files, whose journals take the database's mode; the
    first admin token). It holds personal data and secrets, and under a usual umask (022) it
    was created world-readable; done at every open, so an archive made before is closed too.
    Nothing deeper needs walking: inside a 0700 folder nobody else reaches it, and the folder
    store makes its own folders and objects owner-only."""
    data_dir.chmod(0o700)
    for entry in data_dir.iterdir():
        if not entry.is_symlink():
            entry.chmod(stat.S_IMODE(entry.stat().st_mode) & 0o700)


@dataclass(frozen=True)
class IngestResult:
    document_id: int
    original: StoredObject
    duplicate: bool  # the same bytes were already archived: nothing new was stored


class Archive:
    def __init__(self, store: ObjectStore, index: RecordIndex, spool: Path | None = None) -> None:
        self.store = store
        self.index = index
        self._spool = spool

    def spool_dir(self) -> Path:
        """Where uploads are streamed before they are hashed and stored (same disk as the data
        when there is one, so nothing large lands in a small /tmp)."""
        spool = self._spool or Path(tempfile.gettempdir()) / "hoso-spool"
        spool.mkdir(parents=True, exist_ok=True)
        return spool

    def clean_spool(self, older_than: timedelta = STALE_AFTER) -> int:
        """Remove uploads a killed server left half-spooled (`upload-*`); a spool file in use
        is younger (it is written as the upload arrives). And bags it built for a download
        it never finished and a killed step's work folders (`FOLDER_STALE_AFTER`)."""
        removed = remove_stale(self.spool_dir().glob(SPOOL_PREFIX + "*"), older_than)
        folders = [
            p
            for prefix in (EXPORT_PREFIX, WORK_PREFIX)
            for p in self.spool_dir().glob(prefix + "*")
        ]
        return removed + remove_stale_folders(folders, FOLDER_STALE_AFTER)

    def work_folder(self) -> tempfile.TemporaryDirectory[str]:
        """A folder in the spool for a step's files (a copy being signed): on the data's disk,
        removed when the step ends, and by `clean_spool` after a crash."""
        return tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=self.spool_dir())

    @classmethod
    def open(cls, settings: ArchiveSettings) -> Archive:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        (settings.data_dir / "spool").mkdir(exist_ok=True, mode=0o700)
        store: ObjectStore
        if settings.s3 is not None:
            s3 = S3Store(settings.s3)
            s3.ensure_bucket()
            store = s3
        else:
            store = FilesystemStore(settings.data_dir / "objects")
        index = RecordIndex(settings.database_url, settings.connections)
        index.migrate()
        _owner_only(settings.data_dir)
        return cls(store, index, settings.data_dir / "spool")

    def ingest(
        self,
        path: Path,
        agent: str,
        title: str | None = None,
        province_code: str | None = None,
        desk_id: int | None = None,
        *,
        province_required: bool = False,
    ) -> IngestResult:
        """Keep the original bit-exact; a second upload of the same bytes in the province stores
        nothing new. A document needs a province, else no officer could ever read it: without
        `province_code`, the archive's only province (documents and batches); with none or
        several, an error if `province_required` (`hoso ingest`), else no province. The desk,
        if given, must be of that province; it is recorded on the ingest event (a document has
        no desk column)."""
        from hoso.storage.reuse import InvalidValueError  # the error of a value a person gave
        from hoso.storage.schema import Batch, Desk, Province

        with self.index.sessions() as session:
            if province_code is None:
                used = set(session.scalars(select(Document.province_code).distinct())) | set(
                    session.scalars(select(Batch.province_code).distinct())
                )
                used.discard(None)
                if len(used) != 1 and province_required:
                    held = ", ".join(sorted(c for c in used if c)) or "none yet"
                    raise InvalidValueError(
                        f"say which province the documents belong to (--province); this "
                        f"archive holds documents of: {held}"
                    )
                province_code = used.pop() if len(used) == 1 else None
            if province_code is not None and session.get(Province, province_code) is None:
                raise InvalidValueError(f"there is no province with code {province_code!r}")
            desk = session.get(Desk, desk_id) if desk_id is not None else None
            if desk_id is not None and (desk is None or desk.province_code != province_code):
                raise InvalidValueError(f"province {province_code} has no desk {desk_id}")
        sha256 = sha256_file(path)
        same = self.index.documents_with_original(sha256)
        existing = [d for d in same if d.province_code == province_code]
        key = original_key(sha256, path.name)
        stored = self.store.put_file(key, path)
        with self.index.session() as session:
            if existing:
                self.index.log_event(
                    session,
                    EventType.INGESTED,
                    Outcome.DUPLICATE,
                    agent,
                    object_key=key,
                    document_id=existing[0].id,
                    desk_id=desk_id,
                )
                return IngestResult(existing[0].id, stored, duplicate=True)
            document = Document(
                title=title or path.name,
                original_key=key,
                original_sha256=sha256,
                status=DocumentStatus.RECEIVED,
                province_code=province_code,
            )
            session.add(document)
            session.flush()
            self.index.log_event(
                session, EventType.INGESTED, Outcome.SUCCESS, agent, object_key=key,
                document_id=document.id, desk_id=desk_id,
                detail={"size": stored.size, "name": path.name, "province": province_code},
            )  # fmt: skip
            return IngestResult(document.id, stored, duplicate=False)

    def add_derived(
        self, document_id: int, kind: str, path: Path, agent: str, text: str | None = None
    ) -> StoredObject:
        """Store a result made from an original (PDF/A, JSON, signed PDF) as a new object."""
        with self.index.sessions() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise KeyError(document_id)
            original_sha = document.original_sha256
        stored = self.put_derived(original_sha, kind, path)
        with self.index.session() as session:
            self.link_derived(session, document_id, kind, stored)
            if text is not None:
                self.index.set_text(session, document_id, text)
            self.index.log_event(
                session, EventType.DERIVED, Outcome.SUCCESS, agent, object_key=stored.key,
                document_id=document_id, detail={"kind": kind},
            )  # fmt: skip
        return stored

    def put_derived(self, original_sha256: str, kind: str, path: Path) -> StoredObject:
        """Put one result object under its content key: repeating this stores nothing new."""
        sha256 = sha256_file(path)
        return self.store.put_file(derived_key(original_sha256, kind, sha256, path.name), path)

    def link_derived(
        self, session: Session, document_id: int, kind: str, stored: StoredObject
    ) -> None:
        """Record a stored result as the document's, once (inside the caller's transaction)."""
        known = session.scalar(select(DerivedObject).where(DerivedObject.key == stored.key))
        if known is None:
            session.add(
                DerivedObject(
                    document_id=document_id,
                    kind=kind,
                    key=stored.key,
                    sha256=stored.sha256,
                    size=stored.size,
                )
            )

    def newest_derived(self, session: Session, document_id: int, kind: str) -> DerivedObject | None:
        return session.scalar(
            select(DerivedObject)
            .where(DerivedObject.document_id == document_id, DerivedObject.kind == kind)
            .order_by(DerivedObject.id.desc())
        )

    def open_original(self, document_id: int, agent: str, desk_id: int | None = None) -> BinaryIO:
        """Read a document's original. Every read of a record is an audit event (who, which desk,
        what, when), as the personal-data rules require (shared/domain, section 7)."""
        with self.index.sessions() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise ObjectMissingError(f"no document {document_id}")
            key = document.original_key
        stream = self.store.open(key)
        with self.index.session() as session:
            self.index.log_event(
                session, EventType.RETRIEVED, Outcome.SUCCESS, agent, object_key=key,
                document_id=document_id, desk_id=desk_id,
            )  # fmt: skip
        return stream

    def field_crop(self, field_id: int, agent: str, margin: int = 40) -> Image.Image:
        """The part of the archived searchable page where a field's value stands, for the
        officer who reviews it. Seeing a person's paper is a read, so it is an audit event."""
        with self.index.sessions() as session:
            field = session.get(ExtractedField, field_id)
            if field is None:
                raise ObjectMissingError(f"no field {field_id}")
            if field.page is None or not field.box:
                raise ObjectMissingError(f"field {field_id} has no position on its page")
            pdfa = self.newest_derived(session, field.document_id, "pdfa")
            if pdfa is None:
                raise ObjectMissingError(f"document {field.document_id} has no searchable PDF yet")
            key, page_number, box, document_id = pdfa.key, field.page, field.box, field.document_id
        with self.store.open(key) as stream:
            image = page_as_shown(stream.read(), page_number - 1)
        left, top, right, bottom = box
        crop = image.crop(
            (max(0, left - margin), max(0, top - margin),
             min(image.width, right + margin), min(image.height, bottom + margin))
        )  # fmt: skip
        with self.index.session() as session:
            self.index.log_event(
                session, EventType.RETRIEVED, Outcome.SUCCESS, agent, object_key=key,
                document_id=document_id, detail={"field_id": field_id, "purpose": "review"},
            )  # fmt: skip
        return crop

    def find_dossier(self, code: str) -> Dossier | None:
        with self.index.sessions() as session:
            return session.scalar(select(Dossier).where(Dossier.code == code.strip()))

    # --- fixity ---------------------------------------------------------------------------

    def fixity_keys(self, resume: bool = False) -> list[str]:
        """Every archived object (originals and results), in a stable order. With `resume`, only
        those not yet checked since the last `fixity_started` event."""
        with self.index.sessions() as session:
            # The index says what must exist (a deleted object is not in the store's listing);
            # the store may hold what the index lost. Check both.
            expected = set(session.scalars(select(Document.original_key)))
            expected |= set(session.scalars(select(DerivedObject.key)))
            expected |= set(session.scalars(select(BatchFile.original_key)))
        keys = sorted(expected | set(self.store.keys()))
        if not resume:
            return keys
        with self.index.sessions() as session:
            started = session.scalar(
                select(func.max(Event.id)).where(Event.event_type == EventType.FIXITY_STARTED)
            )
            if started is None:
                return keys
            done = set(
                session.scalars(
                    select(Event.object_key).where(
                        Event.event_type == EventType.FIXITY_CHECK, Event.id > started
                    )
                )
            )
        return [key for key in keys if key not in done]

    def check_fixity(
        self,
        keys: list[str],
        agent: str,
        on_result: Callable[[FixityResult], None] | None = None,
        start_new_round: bool = True,
    ) -> Generator[FixityResult, None, None]:
        if start_new_round:
            with self.index.session() as session:
                self.index.log_event(
                    session,
                    EventType.FIXITY_STARTED,
                    Outcome.SUCCESS,
                    agent,
                    detail={"objects": len(keys)},
                )
        for key in keys:
            result = verify(self.store, key)
            with self.index.session() as session:
                self.index.log_event(
                    session,
                    EventType.FIXITY_CHECK,
                    Outcome.SUCCESS if result.ok else Outcome.FAILURE,
                    agent,
                    object_key=key,
                    detail={"outcome": result.outcome, "actual": result.actual_sha256},
                )
            if on_result:
                on_result(result)
            yield result


MAX_SHOWN_PIXELS = 200_000_000  # a page drawn bigger than this is not a page hoso wrote


def page_as_shown(pdf_bytes: bytes, index: int) -> Image.Image:
    """A page of a searchable PDF as a viewer shows it, in the page pixels its word and field
    boxes use. The page image may be drawn turned and straightened by its `cm`
    (`ImagePlacement`): the image is lifted with pikepdf and laid by that matrix with Pillow,
    not rendered (PDFium may not run in two threads at once, and the web serves crops in a
    thread pool). Pixels per point: the image's width over its drawn edge's length."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[index]
        xobject = page.Resources.XObject.Im0
        box = [float(v) for v in page.MediaBox]
        drawn = [
            [float(v) for v in instruction.operands]
            for instruction in pikepdf.parse_content_stream(page)
            if isinstance(instruction, pikepdf.ContentStreamInstruction)
            and str(instruction.operator) == "cm"
        ]
        image = pikepdf.PdfImage(xobject).as_pil_image()  # type: ignore[arg-type]
    if not drawn:
        raise ObjectMissingError(f"page {index + 1} draws no image hoso can place")
    a, b, c, d, e, f = drawn[-1]  # the image's cm is the page's last (the text uses Tm)
    edge = math.hypot(a, b)
    scale = image.width / edge if edge else 0.0  # pixels per point
    size = (round((box[2] - box[0]) * scale), round((box[3] - box[1]) * scale))
    if not (0 < size[0] * size[1] <= MAX_SHOWN_PIXELS):
        raise ObjectMissingError(f"page {index + 1} is not drawn as hoso draws its pages")
    # page pixel (X, Y down) -> points (X/scale, top - Y/scale) -> image unit square -> pixels
    to_points = np.array([[1 / scale, 0, box[0]], [0, -1 / scale, box[3]], [0, 0, 1]])
    unit_to_points = np.array([[a, c, e], [b, d, f], [0, 0, 1]])
    unit_to_pixels = np.array([[image.width, 0, 0], [0, -image.height, image.height], [0, 0, 1]])
    page_to_image = unit_to_pixels @ np.linalg.inv(unit_to_points) @ to_points
    shown = image.convert("RGB").transform(
        size, Image.Transform.AFFINE, tuple(page_to_image[:2].flatten()),
        resample=Image.Resampling.BILINEAR, fillcolor="white",
    )  # fmt: skip
    return shown
