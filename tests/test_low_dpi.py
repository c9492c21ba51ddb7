"""Low resolution with noise (issue 16): 150-dpi pages with blur, yellowed paper, noise, dust and
JPEG must read at CER <= 0.10, and clean pages must lose nothing. Pages are made here
(benchmarks.degradations.make_page); real Tesseract reads them through the whole pipeline.

Tuned on: seeds 1-3 (benchmarks.degradations `tuning`), where noisy pages read at CER 0.21-0.28
before `cleanup.remove_dust` and 0.07 after. Held out: the benchmark pages of seeds 100-103 (skew
and turn as the benchmark draws them), measured once after the change: mean 0.083, max 0.096.
The held-out page of seed 100 skewed by 1.2° instead reads at 0.16: this level is at the edge.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.degradations import bench_page, make_page
from hoso.digitize.cleanup import remove_dust
from hoso.digitize.models import Options
from hoso.digitize.pipeline import digitize
from tests.metrics import cer
from tests.synthetic import SyntheticPage


def _read(page: SyntheticPage, tmp_path: Path) -> str:
    path = page.save(tmp_path / f"page.{'png' if page.spec.bilevel else 'jpg'}")
    return digitize([path], Options(jobs=1)).pages[0].text


@pytest.mark.slow
def test_noisy_150_dpi_pages_read_within_a_tenth(tmp_path: Path) -> None:
    """Held-out pages, one upright and one turned 90° (before: CER 0.2 and more)."""
    pages = [bench_page("noisy150", seed) for seed in (100, 101)]
    rates = [cer(page.text, _read(page, tmp_path)) for page in pages]
    assert max(rates) <= 0.10, rates


@pytest.mark.slow
@pytest.mark.parametrize("level", ["clean", "bilevel200"])
def test_clean_pages_lose_nothing(level: str, tmp_path: Path) -> None:
    page = bench_page(level, 102)  # turned 180°
    assert cer(page.text, _read(page, tmp_path)) <= 0.005  # before and after: 0.000-0.002


def test_clean_page_is_left_untouched_and_dust_is_removed() -> None:
    """A clean page has a few isolated marks (dashes); they are not dust and stay."""
    clean = np.asarray(make_page("clean", 3).image.convert("L"))
    assert np.array_equal(remove_dust(clean), clean)
    dusty = np.asarray(make_page("noisy150", 3).image.convert("L"))
    cleaned = remove_dust(dusty)
    assert int((cleaned < 128).sum()) < int((dusty < 128).sum()) * 0.95
