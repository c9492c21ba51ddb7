"""Skew estimation and correction on synthetic pages (no OCR: fast)."""

from __future__ import annotations

import numpy as np
import pytest

from hoso.digitize import deskew
from hoso.digitize.ink import find_glyphs
from tests.synthetic import PageSpec, at_level, render_page


def _glyphs(spec: PageSpec) -> deskew.SkewEstimate:
    page = render_page(spec)
    return deskew.estimate_skew(find_glyphs(np.asarray(page.image.convert("L"))))


@pytest.mark.parametrize("angle", [-15.0, -7.3, -2.0, -0.35, 0.0, 0.4, 1.0, 4.75, 9.9, 15.0])
@pytest.mark.parametrize("level", ["clean", "degraded", "bilevel200"])
def test_skew_error_is_within_a_tenth_of_a_degree(angle: float, level: str) -> None:
    spec = at_level(
        PageSpec(seed=int(angle * 10) % 97, skew_deg=angle, dpi=150, body_lines=8), level
    )
    estimate = _glyphs(spec)
    assert abs(estimate.angle_deg - angle) <= 0.1, estimate


def test_straight_page_is_left_untouched() -> None:
    page = render_page(PageSpec(seed=5, dpi=150, body_lines=8))
    pixels = np.asarray(page.image)
    estimate = deskew.estimate_skew(find_glyphs(pixels))
    assert not estimate.should_correct
    assert deskew.straighten(pixels, estimate) is pixels


def test_blank_page_is_not_rotated() -> None:
    blank = np.full((1200, 900), 255, dtype=np.uint8)
    estimate = deskew.estimate_skew(find_glyphs(blank))
    assert estimate.confidence == 0.0
    assert deskew.straighten(blank, estimate) is blank


def test_straightened_page_measures_straight() -> None:
    page = render_page(PageSpec(seed=9, dpi=150, body_lines=8, skew_deg=6.0))
    pixels = np.asarray(page.image)
    straight = deskew.straighten(pixels, deskew.estimate_skew(find_glyphs(pixels)))
    assert straight.shape[0] > pixels.shape[0] * 0.9  # canvas kept, nothing cropped away
    assert abs(deskew.estimate_skew(find_glyphs(straight)).angle_deg) < 0.1


def test_rotation_fill_matches_yellowed_paper() -> None:
    page = render_page(PageSpec(seed=2, dpi=100, body_lines=4, yellowed=True))
    pixels = np.asarray(page.image)
    rotated = deskew.rotate_by(pixels, 10.0)
    corner = rotated[2, 2].astype(int)
    assert np.abs(corner - np.array([244, 234, 200])).max() < 12
