"""Barcodes and QR codes on a page (zxing-cpp): chip-ID QR codes carry the holder's data, and
separator sheets carry dossier codes. Decoded from the straightened page, before any cleanup."""

from __future__ import annotations

import zxingcpp
from PIL import Image

from digitize.ink import Pixels


def read_codes(pixels: Pixels) -> list[str]:
    try:
        results = zxingcpp.read_barcodes(Image.fromarray(pixels))
    except (RuntimeError, ValueError):
        return []  # a code we cannot read is no reason to fail the page
    return [result.text for result in results if result.text]
