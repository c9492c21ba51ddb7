"""Phone photos of pages (issue 16): desk around the paper, a few degrees of tilt, keystone both
ways (the top edge narrower, one side shorter: lines converge), light falling off across the
picture, ~100 dpi, a JPEG without resolution. Every photo is made here from a synthetic page of
known text and known corners; real Tesseract reads it.

What failed before `digitize/perspective.py`, on these photos: the text lines of the archived
page still converge (deskew turns the page by their mean: the upper and lower halves stay
0.26-0.56° askew, one each way), and the JSON said nothing of the page's outline. Tesseract
read these made photos at CER 0.006-0.016 before and after, so the CER ceiling here guards
against a warp that ruins text, it is not the fix's evidence (issue 16 saw ≈ 0.10 on its photos).

Tuned on: `TUNED` (the A4 tolerance and the edge trim were set on them), the hand and off-frame
photos. Held out: `HELD_OUT`, first run after the code was finished."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from hoso.digitize import deskew, page_warnings, perspective
from hoso.digitize.encode import page_pixels
from hoso.digitize.ink import find_glyphs
from hoso.digitize.models import Options, PageResult
from hoso.digitize.pipeline import digitize, document_json
from tests.metrics import cer
from tests.synthetic import PageSpec, SyntheticPage, render_page

PHOTO_SIZE = (1100, 1420)  # px, width × height: the page covers ~830 px across, ~100 dpi
PAGE_DPI = 100  # how large the page appears in the photo
# (tilt in degrees, keystone: the top edge narrower by this share, the right edge shorter by this)
TUNED = [(2.5, 0.08, 0.06), (-3.0, 0.05, -0.07), (-1.5, 0.10, 0.05), (4.0, 0.06, -0.08)]
HELD_OUT = [(-2.2, 0.07, -0.05), (3.3, 0.09, 0.08)]
CORNER_TOLERANCE_PX = 3.0
FAST = pytest.mark.xdist_group("photos")


@dataclass(frozen=True)
class Photo:
    image: Image.Image
    text: str
    corners: NDArray[np.float64]  # where the page's corners are: TL, TR, BR, BL

    def save(self, path: Path) -> Path:
        self.image.save(path, format="JPEG", quality=85)  # a phone writes no dpi for a page
        return path


def photograph(
    tilt_deg: float,
    keystone: float,
    yaw: float = 0.0,
    seed: int = 0,
    shift: tuple[float, float] = (0.0, 0.0),
    hand: bool = False,
    print_spec: dict[str, float] | None = None,
    page: SyntheticPage | None = None,
) -> Photo:
    """A synthetic page put on a textured desk under uneven light, seen from slightly off
    square: the top edge `keystone` narrower than the bottom, the right edge `yaw` shorter than
    the left (negative: longer; lines then converge), the whole turned `tilt_deg`
    counter-clockwise, moved by `shift` (share of the photo) from the centre. `page` (e.g. a
    form from tests/synthetic_documents.py) replaces the generic A4 page printed; it keeps its
    own shape (a card is photographed landscape, not stretched onto an A4 outline)."""
    if page is None:
        page = render_page(PageSpec(seed=seed, dpi=200, body_lines=8, **(print_spec or {})))  # type: ignore[arg-type]
    source = np.asarray(page.image.convert("RGB"))
    width, height = PHOTO_SIZE
    h, w = source.shape[:2]
    inches = (w / page.spec.dpi, h / page.spec.dpi)
    corners = _page_corners(tilt_deg, (keystone, yaw), shift, inches)
    matrix = cv2.getPerspectiveTransform(
        np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32), corners.astype(np.float32)
    )
    seen = cv2.warpPerspective(source, matrix, (width, height), flags=cv2.INTER_AREA)
    cover = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (width, height)) / 255.0
    rng = np.random.default_rng(seed)
    desk = _desk(rng, height, width)
    photo = np.asarray(cover[..., None] * seen + (1 - cover[..., None]) * desk, np.float64)
    if hand:
        _cover_with_hand(photo, corners)
    photo = photo * _light(height, width)[..., None]
    photo = np.asarray(cv2.GaussianBlur(photo, (0, 0), 0.7)) + rng.normal(0, 4, photo.shape)
    return Photo(Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)), page.text, corners)


def _page_corners(
    tilt_deg: float,
    keystone: tuple[float, float],
    shift: tuple[float, float],
    inches: tuple[float, float],
) -> NDArray[np.float64]:
    width, height = PHOTO_SIZE
    page_w, page_h = inches[0] * PAGE_DPI, inches[1] * PAGE_DPI
    top, right = page_w * (1 - keystone[0]) / 2, page_h * (1 - keystone[1]) / 2
    corners = np.array(
        [[-top, -page_h / 2], [top, -right], [page_w / 2, right], [-page_w / 2, page_h / 2]]
    )
    turn = math.radians(tilt_deg)  # counter-clockwise on screen, where y points down
    rotation = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])
    centre = np.array([width * (0.5 + shift[0]), height * (0.5 + shift[1])])
    return np.asarray(corners @ rotation.T + centre, dtype=np.float64)


def _desk(rng: np.random.Generator, height: int, width: int) -> NDArray[np.float64]:
    """Dark wood: a brown base, broad blotches and fine grain."""
    blotches = cv2.resize(rng.normal(0, 12, (height // 40, width // 40)), (width, height))
    grain = cv2.GaussianBlur(rng.normal(0, 10, (height, width)), (0, 0), 1.5)
    shade = (blotches + grain)[..., None]
    return np.asarray(np.array([95.0, 72.0, 55.0]) + shade, dtype=np.float64)


def _light(height: int, width: int) -> NDArray[np.float64]:
    """A lamp at the top left: the far corner gets ~40 % less light."""
    ys, xs = np.mgrid[0:height, 0:width]
    return np.asarray(1.0 - 0.4 * (0.6 * xs / width + 0.4 * ys / height), dtype=np.float64)


def _cover_with_hand(photo: NDArray[np.float64], corners: NDArray[np.float64]) -> None:
    """A hand holding the page flat: a skin-coloured blob over the middle of its left edge."""
    left_middle = (corners[0] + corners[3]) / 2
    mask = np.zeros(photo.shape[:2], np.uint8)
    centre = (round(left_middle[0] - 30), round(left_middle[1]))
    cv2.ellipse(mask, centre, (110, 60), 10, 0, 360, 1, -1)
    photo[mask > 0] = (170, 120, 95)


def line_angles(page: NDArray[np.uint8]) -> tuple[float, float]:
    """Skew of the text lines in the upper and in the lower half of the text: a page photographed
    askew and only deskewed keeps converging lines (one half turned one way, the other the
    other way), a flattened page has both straight."""
    glyphs = find_glyphs(page)
    rows = glyphs.centers[:, 1] / glyphs.scale
    middle = int(np.median(rows))
    upper, lower = page[:middle], page[middle:]
    return (
        deskew.estimate_skew(find_glyphs(upper)).angle_deg,
        deskew.estimate_skew(find_glyphs(lower)).angle_deg,
    )


def digitize_photo(photo: Photo, tmp_path: Path) -> tuple[PageResult, dict[str, Any]]:
    return digitize_file(photo.save(tmp_path / "photo.jpg"))


def digitize_file(path: Path) -> tuple[PageResult, dict[str, Any]]:
    document = digitize([path], Options(jobs=1))
    return document.pages[0], document_json(document)["pages"][0]


@FAST
@pytest.mark.parametrize(("tilt", "keystone", "yaw"), TUNED + HELD_OUT)
def test_photo_is_flattened_straightened_and_read(
    tmp_path: Path, tilt: float, keystone: float, yaw: float
) -> None:
    photo = photograph(tilt, keystone, yaw, seed=int(tilt * 10) % 7)

    result, page_json = digitize_photo(photo, tmp_path)

    assert cer(photo.text, result.text) <= 0.05
    found = np.array(page_json["perspective"]["corners"])
    assert page_json["perspective"]["corrected"] is True
    assert np.max(np.linalg.norm(found - photo.corners, axis=1)) <= CORNER_TOLERANCE_PX
    archived = page_pixels(result)
    assert result.rotation == 0
    assert all(abs(angle) <= 0.2 for angle in line_angles(archived))
    assert archived.shape[0] / archived.shape[1] == pytest.approx(math.sqrt(2), rel=0.01)
    json.dumps(page_json)  # the report is plain JSON


@FAST
def test_hand_over_an_edge_does_not_move_the_corners() -> None:
    photo = photograph(-2.0, 0.07, seed=3, hand=True)

    outline = perspective.find_page(np.asarray(photo.image))

    assert outline.corners is not None
    assert np.max(np.linalg.norm(outline.corners - photo.corners, axis=1)) <= CORNER_TOLERANCE_PX


@FAST
def test_page_running_off_the_frame_is_not_warped_but_flagged(tmp_path: Path) -> None:
    photo = photograph(3.0, 0.06, seed=4, shift=(0.12, 0.14))  # bottom right lies outside
    assert photo.corners[2, 0] > PHOTO_SIZE[0] and photo.corners[2, 1] > PHOTO_SIZE[1]

    result, page_json = digitize_photo(photo, tmp_path)

    assert page_json["perspective"] == {"corrected": False, "corners": None}
    assert page_warnings.OUTLINE_NOT_FOUND in result.warnings
    # The whole frame is kept (deskew may grow it), not cut to a wrongly guessed page.
    assert result.width_px >= photo.image.width and result.height_px >= photo.image.height


@FAST
def test_flat_scan_keeps_its_source_jpeg_bytes(tmp_path: Path) -> None:
    spec = PageSpec(seed=5, dpi=200, body_lines=4, jpeg_quality=75)  # an archival-quality scan
    source = render_page(spec).save(tmp_path / "scan.jpg")

    result, page_json = digitize_file(source)

    assert result.image_bytes == source.read_bytes()
    assert page_json["perspective"] == {"corrected": False, "corners": None}
    assert not any("photo" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    "scan",
    [
        Path(__file__).resolve().parents[1] / "samples" / "dossier-page2.jpg",
        "noisy150",  # yellowed, noisy, dusty 150-dpi paper
    ],
)
def test_a_scan_whose_paper_has_grain_is_no_photo(tmp_path: Path, scan: Path | str) -> None:
    """On a clean scan Otsu splits the paper's own grain into "paper" and "desk" (both near
    252): the bundled sample and noisy scans were told to be photographed again. A desk must
    be visibly darker than the paper."""
    if scan == "noisy150":
        from benchmarks.degradations import field_document

        scan = field_document("noisy150", "application", 7, "plain", tmp_path)
    assert isinstance(scan, Path)
    pixels = np.asarray(Image.open(scan).convert("RGB"))
    assert perspective.find_page(pixels) == perspective.NOT_A_PHOTO


@FAST
def test_small_blurred_print_is_kept_upright(tmp_path: Path) -> None:
    """Found by trying harder photos: 11-pt print, blurred, ~130 dpi. Its short words with
    stacked tone marks are taller than wide, which made the pipeline take the upright reading
    for a sideways one and archive the page turned 90° (the text layer still read well)."""
    photo = photograph(2.5, 0.08, 0.06, print_spec={"font_pt": 11, "blur": 0.9, "noise": 6})

    result, _ = digitize_photo(photo, tmp_path)

    assert result.rotation == 0
    archived = page_pixels(result)
    assert archived.shape[0] > archived.shape[1]  # portrait, as the paper
    assert cer(photo.text, result.text) <= 0.05


@FAST
def test_a_scan_with_its_lid_open_is_not_told_to_be_photographed_again(tmp_path: Path) -> None:
    """A book page scanned with the lid open lies in black on three sides, its outline running
    off the fourth: the scanner's resolution in the file says it is a scan, not a phone photo
    to retake (the real scan deskew-4.png of shared/corpus was told so). Without a declared
    resolution, as phones write, the same picture is still flagged."""
    page = np.asarray(render_page(PageSpec(seed=4441, dpi=150, body_lines=6)).image.convert("L"))
    height, width = page.shape
    margin = 60
    lid = np.full((height + margin, width + 2 * margin), 12, np.uint8)
    lid[margin:, margin : margin + width] = page
    Image.fromarray(lid).save(tmp_path / "scan.png", dpi=(150, 150))
    Image.fromarray(lid).save(tmp_path / "photo.png")
    scanned, photographed = (
        digitize([tmp_path / name], Options(jobs=1)).pages[0] for name in ("scan.png", "photo.png")
    )
    assert page_warnings.OUTLINE_NOT_FOUND not in scanned.warnings
    assert page_warnings.OUTLINE_NOT_FOUND in photographed.warnings
