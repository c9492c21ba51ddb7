"""The QR code on papers the system issues (Circular 01/2023: receipts, appointment slips,
results): top left of page 1, ISO/IEC 18004, carrying at least the dossier code, procedure code,
applicant ID, paper title, issuing system and issue time, plus the validity or scope of a result
(or the appointment date of a receipt).

It is drawn into the page before signing, so the signature covers it; adding it to a signed PDF
would break the signatures, and is refused.
"""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pikepdf
import segno
from PIL import Image

from hoso.signatures.appearance import MARGIN_PT, vietnam_time
from hoso.signatures.errors import NotSignableError

QR_MM = 22.0  # printed size: readable by a phone at arm's length, small beside the heading


@dataclass(frozen=True)
class ResultInfo:
    dossier_code: str
    procedure_code: str
    applicant_id: str
    title: str
    issuing_system: str = "hoso"
    issued_at: datetime | None = None  # default: now
    validity: str | None = None  # results: validity or scope
    appointment: str | None = None  # receipts: when to come back

    def payload(self) -> str:
        """Compact JSON with Vietnamese-document field names (short keys keep the code small)."""
        data: dict[str, str] = {
            "ma_ho_so": self.dossier_code,
            "ma_thu_tuc": self.procedure_code,
            "so_dinh_danh": self.applicant_id,
            "ten_giay_to": self.title,
            "he_thong": self.issuing_system,
            "thoi_gian_cap": vietnam_time(self.issued_at or datetime.now(UTC)),
        }
        if self.validity:
            data["hieu_luc"] = self.validity
        if self.appointment:
            data["ngay_hen"] = self.appointment
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_file(cls, path: Path) -> ResultInfo:
        """Read the fields from a JSON file with this class's field names."""
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("issued_at"):
                raw["issued_at"] = datetime.fromisoformat(raw["issued_at"])
            return cls(**raw)
        except (OSError, ValueError, TypeError) as exc:
            raise NotSignableError(f"result information {path} is unusable: {exc}") from exc


def add_result_qr(data: bytes, info: ResultInfo) -> bytes:
    """The PDF with the result's QR code drawn at the top left of page 1."""
    image = _qr_image(info.payload())
    with pikepdf.open(io.BytesIO(data)) as pdf:
        form = pdf.Root.get("/AcroForm")
        fields = form.get("/Fields", pikepdf.Array()) if form is not None else pikepdf.Array()
        if any(field.get("/FT") == "/Sig" and "/V" in field for field in fields):
            raise NotSignableError(
                "the PDF is already signed: the QR code must be added before signing"
            )
        page = pdf.pages[0]
        x0, _, _, y1 = (float(v) for v in page.mediabox)
        side = QR_MM / 25.4 * 72
        xobject = pikepdf.Stream(pdf, b"")
        xobject.Type = pikepdf.Name.XObject
        xobject.Subtype = pikepdf.Name.Image
        xobject.Width, xobject.Height = image.size
        xobject.ColorSpace = pikepdf.Name.DeviceGray
        xobject.BitsPerComponent = 8
        xobject.write(zlib.compress(image.tobytes()), filter=pikepdf.Name.FlateDecode)
        name = page.add_resource(xobject, pikepdf.Name.XObject, prefix="HosoQR")
        x, y = x0 + MARGIN_PT, y1 - MARGIN_PT - side
        draw = f"q {side:.2f} 0 0 {side:.2f} {x:.2f} {y:.2f} cm {name} Do Q".encode()
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)  # isolate the old content
        page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + draw), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _qr_image(payload: str) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("L")
