"""tesserocr: libtesseract in-process. The default engine: one API object per worker process, loaded
once, so a page costs recognition time only (no process start, no model load, no image encoding)."""

from __future__ import annotations

import time

import tesserocr
from PIL import Image

from hoso.digitize.errors import OcrError
from hoso.digitize.models import Word
from hoso.digitize.native import native_stderr_silenced
from hoso.digitize.ocr import engine as seam
from hoso.digitize.ocr.engine import OcrPage, OrientationGuess, make_word, osd_to_rotation
from hoso.ocr_models import osd_dir, tessdata_dir


class TesserocrEngine:
    name = "tesserocr"

    def __init__(self, lang: str, model: str) -> None:
        self.lang = lang
        try:
            self._api = tesserocr.PyTessBaseAPI(
                path=str(tessdata_dir(model)),
                lang=lang,
                psm=tesserocr.PSM.AUTO,
                oem=tesserocr.OEM.LSTM_ONLY,
            )
        except RuntimeError as exc:
            raise OcrError(f"Tesseract could not load its models: {exc}") from exc
        # Loaded when first asked for: most pages read upright and never need it (issue 18:
        # 45 ms of every page process's start).
        self._osd: tesserocr.PyTessBaseAPI | None = None

    def _orientation_api(self) -> tesserocr.PyTessBaseAPI:
        if self._osd is None:
            try:
                self._osd = tesserocr.PyTessBaseAPI(
                    path=str(osd_dir()), lang="osd", psm=tesserocr.PSM.OSD_ONLY
                )
            except RuntimeError as exc:
                raise OcrError(f"Tesseract could not load its orientation model: {exc}") from exc
        return self._osd

    def recognize(self, image: Image.Image, dpi: int) -> OcrPage:
        return OcrPage(words=recognize_words(self._api, image, dpi))

    def detect_orientation(self, image: Image.Image, dpi: int) -> OrientationGuess | None:
        osd = self._orientation_api()
        try:
            with native_stderr_silenced():
                osd.SetImage(image)
                osd.SetSourceResolution(max(70, int(dpi)))
                result = osd.DetectOrientationScript()
        except RuntimeError:
            return None
        finally:
            osd.Clear()
        if not result:
            return None
        return OrientationGuess(
            rotation=osd_to_rotation(result["orient_deg"]),
            confidence=float(result["orient_conf"]),
        )

    def close(self) -> None:
        self._api.End()
        if self._osd is not None:
            self._osd.End()


def recognize_words(api: tesserocr.PyTessBaseAPI, image: Image.Image, dpi: int) -> list[Word]:
    """Recognize `image` with `api` as it is set up (model, page segmentation) and free it;
    stopped at `OCR_TIME_LIMIT_S`."""
    limit_s = seam.OCR_TIME_LIMIT_S
    started = time.monotonic()
    try:
        with native_stderr_silenced():
            api.SetImage(image)
            api.SetSourceResolution(max(70, int(dpi)))
            finished = api.Recognize(timeout=max(1, round(limit_s * 1000)))
    except RuntimeError as exc:
        raise OcrError(f"Tesseract failed on the page: {exc}") from exc
    if not finished:
        api.Clear()
        if time.monotonic() - started < limit_s / 2:  # refused, not stopped (tesserocr says False)
            size = f"{image.width}×{image.height} px"
            raise OcrError(f"Tesseract could not read the page image ({size})")
        raise seam.too_slow(limit_s)
    words = read_words(api)
    api.Clear()
    return words


def read_words(api: tesserocr.PyTessBaseAPI) -> list[Word]:
    """The words of the last `Recognize`, in Tesseract's reading order, numbered by text line."""
    words: list[Word] = []
    iterator = api.GetIterator()
    line = -1
    level = tesserocr.RIL.WORD
    if iterator is None:
        return words
    while True:
        if iterator.Empty(level):
            if not iterator.Next(level):
                break
            continue
        if iterator.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            line += 1
        text = iterator.GetUTF8Text(level) or ""
        box = iterator.BoundingBox(level)
        if box is not None:
            word = make_word(text, box, iterator.Confidence(level), max(line, 0))
            if word is not None:
                words.append(word)
        if not iterator.Next(level):
            break
    return words
