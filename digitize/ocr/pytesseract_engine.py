"""pytesseract: the `tesseract` program in a subprocess. The second engine, for sites that must run
a system-packaged Tesseract; it pays a process start and a model load per call."""

from __future__ import annotations

import shutil

import pytesseract
from PIL import Image

from hoso.digitize.errors import OcrError
from hoso.digitize.models import Word
from hoso.digitize.ocr import engine as seam
from hoso.digitize.ocr.engine import OcrPage, OrientationGuess, make_word, osd_to_rotation
from hoso.ocr_models import osd_dir, tessdata_dir


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


class PytesseractEngine:
    name = "pytesseract"

    def __init__(self, lang: str, model: str) -> None:
        if not tesseract_available():
            raise OcrError(
                "the pytesseract engine needs the `tesseract` program on PATH "
                "(Debian: apt-get install tesseract-ocr); or use --engine tesserocr"
            )
        self.lang = lang
        self._tessdata = tessdata_dir(model)

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        config = f'--tessdata-dir "{self._tessdata}" --psm 3 --oem 1 --dpi {max(70, int(dpi))}'
        limit_s = seam.OCR_TIME_LIMIT_S
        try:
            data = pytesseract.image_to_data(
                image,
                lang=self.lang,
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=limit_s,
            )
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():  # pytesseract's own words when it kills tesseract
                raise seam.too_slow(limit_s) from exc
            raise OcrError(f"tesseract failed on the page: {exc}") from exc
        except (pytesseract.TesseractError, OSError) as exc:
            raise OcrError(f"tesseract failed on the page: {exc}") from exc
        words: list[Word] = []
        line_ids: dict[tuple[int, int, int], int] = {}
        for i, text in enumerate(data["text"]):
            conf = float(data["conf"][i])
            if conf < 0 or not str(text).strip():
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            line = line_ids.setdefault(key, len(line_ids))
            left, top = data["left"][i], data["top"][i]
            box = (left, top, left + data["width"][i], top + data["height"][i])
            word = make_word(str(text), box, conf, line)
            if word is not None:
                words.append(word)
        return OcrPage(words=words)

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None:
        config = f'--tessdata-dir "{osd_dir()}" --psm 0 --dpi {max(70, int(dpi))}'
        try:
            result = pytesseract.image_to_osd(
                image, config=config, output_type=pytesseract.Output.DICT
            )
        except (pytesseract.TesseractError, OSError, RuntimeError):
            return None
        return OrientationGuess(
            rotation=osd_to_rotation(int(result["orientation"])),
            confidence=float(result["orientation_conf"]),
        )

    def close(self) -> None:
        return None
