"""The archival copy of a noisy scan: its paper's grain is not paid for in bytes, its marks stay.

Measured against the page as printed (the same synthetic page rendered without noise): the quiet
copy must be at least as close to it as a plain JPEG of the received pixels, in far fewer bytes,
and read by Tesseract as well. Faint marks that drown in the noise pixel by pixel (a pencil
stroke, a highlighter) must survive.
"""

from __future__ import annotations

import io
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image

from hoso.digitize.encode import JPEG_QUALITY, encode_page_image, quiet_paper
from hoso.digitize.ocr.engine import create_engine
from tests.metrics import cer
from tests.synthetic import PageSpec, render_page


def _received(spec: PageSpec) -> tuple[np.ndarray, np.ndarray, str]:
    """(the scan as received, the page as printed, its text), grey."""
    page = render_page(spec)
    received = np.asarray(page.image.convert("L"))
    printed = np.asarray(render_page(replace(spec, noise=0.0)).image.convert("L"))
    return received, printed, page.text


def _plain_jpeg(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


@pytest.fixture(scope="module")
def noisy_page() -> tuple[np.ndarray, np.ndarray, str]:
    # Not a benchmark page: another seed, yellowed paper, sensor noise of 12 levels.
    spec = PageSpec(seed=4242, noise=12.0, blur=0.7, yellowed=True, body_lines=8)
    return _received(spec)


def test_a_noisy_scan_is_archived_in_half_the_bytes_and_closer_to_the_paper(
    noisy_page: tuple[np.ndarray, np.ndarray, str],
) -> None:
    received, printed, _ = noisy_page
    plain = _plain_jpeg(received)
    archived = encode_page_image(received, "L").data
    assert len(archived) < 0.6 * len(plain), (len(archived), len(plain))
    assert cv2.PSNR(_decoded(archived), printed) > cv2.PSNR(_decoded(plain), printed)


def test_the_quiet_copy_reads_as_well(noisy_page: tuple[np.ndarray, np.ndarray, str]) -> None:
    received, _, text = noisy_page
    engine = create_engine("tesserocr", "vie", "best_int")
    plain = engine.recognize(Image.fromarray(_decoded(_plain_jpeg(received))), 300)
    quiet = engine.recognize(Image.fromarray(_decoded(encode_page_image(received, "L").data)), 300)
    plain_text = " ".join(w.text for w in plain.words)
    quiet_text = " ".join(w.text for w in quiet.words)
    assert cer(text, quiet_text) <= cer(text, plain_text) + 0.002


def test_a_clean_page_is_left_as_it_is() -> None:
    received, _, _ = _received(PageSpec(seed=4243, body_lines=6, dpi=200))
    assert np.array_equal(quiet_paper(received), received)


def _noisy_paper(shape: tuple[int, ...], sigma: float, seed: int, base: np.ndarray) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, shape)
    return np.asarray((base + noise).clip(0, 255), dtype=np.uint8)


def test_a_faint_stroke_under_the_noise_is_kept_and_the_paper_quieted() -> None:
    paper = np.full((900, 800), 228.0)
    paper[300:303, 100:700] -= 12  # a pencil stroke of two noise sigmas
    scan = _noisy_paper(paper.shape, 6.0, 7, paper)
    quiet = quiet_paper(scan)
    stroke_before = 228 - scan[300:303, 100:700].mean()
    stroke_after = 228 - quiet[300:303, 100:700].mean()
    assert stroke_after > 0.8 * stroke_before > 8
    assert quiet[500:800].std() < scan[500:800].std() / 3
    assert abs(quiet[500:800].mean() - scan[500:800].mean()) < 1.5  # the paper's tone stays


def test_a_highlighter_stays_in_its_own_colour() -> None:
    paper = np.dstack([np.full((500, 600), 238.0)] * 3)
    paper[200:240, 100:500, 2] = 150  # yellow: only blue is taken away
    scan = _noisy_paper(paper.shape, 5.0, 8, paper)
    quiet = quiet_paper(scan)
    highlight = quiet[200:240, 100:500].reshape(-1, 3).mean(axis=0)
    assert highlight[2] < 160 and highlight[0] > 230 and highlight[1] > 230
    assert quiet[300:480, :, 0].std() < scan[300:480, :, 0].std() / 3
