"""Skew estimation and correction on synthetic pages (no OCR: fast)."""

from __future__ import annotations

import numpy as np
import pytest

from hoso.digitize import deskew
from hoso.digitize.ink import find_glyphs
from tests.synthetic import PageSpec, at_level, render_page
from tests.test_orientation_hard import render_id_card


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


# Small cards (issue 16): an 85.6 × 54 mm card at 150 dpi, ~60 letters in ten short lines of mixed
# sizes, a photo whose texture breaks into glyph-like specks, noise, blur and dust. The projection
# alone measured such cards up to 0.33° off (0.12° on average); `refine_on_baselines` was tuned
# on seeds 1-3 and measured once on the held-out seeds 5, 7 and 11 (worst 0.08° there).
CARD_SKEWS = [-4.2, -1.1, -0.3, 0.35, 0.8, 2.7]


@pytest.mark.parametrize(("seed", "rotation"), [(1, 0), (2, 0), (3, 0), (5, 0), (7, 0), (11, 270)])
def test_small_card_skew_is_within_a_tenth_of_a_degree(seed: int, rotation: int) -> None:
    errors = []
    for skew in CARD_SKEWS:
        spec = PageSpec(seed=seed, dpi=150, noise=15.0, blur=0.8, skew_deg=skew, rotation=rotation)
        card, _ = render_id_card(spec)
        glyphs = find_glyphs(np.asarray(card))
        measured = deskew.estimate_skew(glyphs, quarter_turn=rotation in (90, 270)).angle_deg
        errors.append(round(measured - skew, 3))
    assert max(abs(e) for e in errors) <= 0.1, errors


def test_refinement_on_edges_finds_the_angle_from_half_a_degree_away() -> None:
    """The edge refinement alone, started off by ±0.4° on a card, comes back to its skew."""
    card, _ = render_id_card(PageSpec(seed=4, dpi=150, noise=10.0, blur=0.6, skew_deg=-1.7))
    glyphs = find_glyphs(np.asarray(card))
    for start in (-2.1, -1.3):
        assert abs(deskew.refine_on_baselines(glyphs, start, quarter_turn=False) + 1.7) <= 0.1
