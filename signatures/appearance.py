"""What a signature looks like on the page, by the Vietnamese rules (shared/domain §3):

- scan operator (Circular 01/2023 Art. 8): name and time, top left of page 1;
- organisation (Decree 30/2020 App. I): the red seal at actual size over about the left third of
  the signer's signature image;
- e-copy or attachment: a text stamp at the top right of page 1, Times 10 pt, black, ending with
  the time in ISO 8601 with +07:00.

Text uses FreeSerif (a Times design with Vietnamese glyphs, 1000 units per em: pyHanko writes
widths in font units, so a 2048-unit font renders stretched), subset once to Latin + Vietnamese
and cached: fontTools reading the whole font cost ~190 ms per signature.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle

from hoso.desk_time import VIETNAM
from hoso.files import atomic_output, sha256_file
from hoso.signatures.errors import SigningConfigError
from hoso.signatures.profiles import Appearance, Profile

MARGIN_PT = 14.0
IMAGE_DPI = 300
# Printable ASCII, Latin-1, Latin Extended-A (đ), ơ/ư, combining marks, Vietnamese precomposed,
# dashes and quotes, the đồng sign.
_SUBSET_UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    *range(0x1A0, 0x1B1),
    *range(0x300, 0x324),
    *range(0x1EA0, 0x1EFA),
    *range(0x2010, 0x2028),
    0x20AB,
]


def vietnam_time(moment: datetime) -> str:
    """`YYYY-MM-DDThh:mm:ss+07:00`, the form Decree 30 asks for on stamps."""
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


@functools.lru_cache(maxsize=8)
def subset_font(font: Path, cache_dir: Path) -> Path:
    """The Latin + Vietnamese subset of `font`, built once per font file and kept in the cache
    (and its path remembered per process: hashing the 2 MB font cost every signature)."""
    try:
        digest = sha256_file(font)[:16]
    except OSError as exc:
        raise SigningConfigError(
            f"stamp font {font} cannot be read ({exc.strerror}); install fonts-freefont-ttf "
            "or set `font` in the signing configuration"
        ) from exc
    target = cache_dir / "fonts" / f"{font.stem}-vi-{digest}.ttf"
    if target.is_file():
        return target
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    tt = subset.load_font(str(font), options)
    subsetter.populate(unicodes=_SUBSET_UNICODES)
    subsetter.subset(tt)
    with atomic_output(target) as temp:
        tt.save(str(temp))
    return target


@dataclass(frozen=True)
class Placement:
    """A stamp's style, its box on the page (points) and the values for its text."""

    style: BaseStampStyle | None
    box: tuple[int, int, int, int] | None
    text_params: dict[str, Any]


def _text_style(font: Path, size: int, text: str) -> TextStampStyle:
    factory = GlyphAccumulatorFactory(str(font), font_size=size)
    return TextStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(font=factory, font_size=size, leading=round(size * 1.25)),
        border_width=0,
        background=None,
    )


def _text_box(
    lines: int, size: int, width: float, page: tuple[float, float], *, right: bool
) -> tuple[int, int, int, int]:
    height = lines * round(size * 1.25) + 2 * 5  # the text box's own padding
    page_w, page_h = page
    x1 = page_w - MARGIN_PT - width if right else MARGIN_PT
    return _whole((x1, page_h - MARGIN_PT - height, x1 + width, page_h - MARGIN_PT))


def _whole(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """pyHanko's layout does exact arithmetic on box sizes: whole points only."""
    x1, y1, x2, y2 = (round(v) for v in box)
    return (x1, y1, x2, y2)


def seal_image(profile: Profile, cache_dir: Path) -> tuple[Path, tuple[float, float]]:
    """The seal over the left third of the signature image, as one transparent PNG drawn at
    actual size, composed once per image pair and size; returns the PNG and its size in points."""
    assert profile.seal_image is not None
    sources = [profile.seal_image] + ([profile.signature_image] if profile.signature_image else [])
    try:
        digest = hashlib.sha256(
            b"".join(p.read_bytes() for p in sources) + str(profile.seal_mm).encode()
        ).hexdigest()[:16]
        target = cache_dir / "seals" / f"seal-{digest}.png"
        if not target.is_file():
            with atomic_output(target) as temp:
                _compose_seal(profile).save(temp, format="PNG")
        with Image.open(target) as composed:
            width, height = composed.size
    except OSError as exc:
        raise SigningConfigError(
            f"profile {profile.name!r}: seal images unreadable: {exc}"
        ) from exc
    return target, (width / IMAGE_DPI * 72, height / IMAGE_DPI * 72)


def _compose_seal(profile: Profile) -> Image.Image:
    assert profile.seal_image is not None
    seal = Image.open(profile.seal_image).convert("RGBA")
    diameter = round(profile.seal_mm / 25.4 * IMAGE_DPI)
    seal = seal.resize(
        (diameter, round(diameter * seal.height / seal.width)), Image.Resampling.LANCZOS
    )
    if profile.signature_image is None:
        return seal
    signature = Image.open(profile.signature_image).convert("RGBA")
    sig_h = round(seal.height * 0.8)
    signature = signature.resize(
        (round(signature.width * sig_h / signature.height), sig_h), Image.Resampling.LANCZOS
    )
    sig_x = seal.width - signature.width // 3  # the seal covers its left third
    canvas = Image.new(
        "RGBA", (max(seal.width, sig_x + signature.width), seal.height), (255, 255, 255, 0)
    )
    canvas.alpha_composite(signature, (sig_x, (seal.height - sig_h) // 2))
    canvas.alpha_composite(seal, (0, 0))
    return canvas


@functools.lru_cache(maxsize=16)
def _stamp_image(path: str) -> Image.Image:
    """The seal image as embedded, converted once per process (quantizing costs ~20 ms)."""
    with Image.open(path) as image:
        return _palette_with_alpha(image.convert("RGBA"))


def _palette_with_alpha(image: Image.Image) -> Image.Image:
    """A seal and a signature are a few inks: 32 palette colours keep them exact to the eye and
    make the embedded image a third smaller than full RGB (it is in every signed file)."""
    alpha = image.getchannel("A")
    paletted = image.convert("RGB").quantize(colors=32).convert("PA")
    paletted.putalpha(alpha)
    return paletted


def placement(
    profile: Profile,
    *,
    font: Path,
    cache_dir: Path,
    page_size: tuple[float, float],
    when: datetime,
) -> Placement:
    """Style and box of `profile`'s stamp on a page of `page_size` points."""
    params = {"time": vietnam_time(when)}
    if profile.appearance is Appearance.INVISIBLE:
        return Placement(None, None, params)
    if profile.appearance is Appearance.SEAL:
        image, (width, height) = seal_image(profile, cache_dir)
        style = StaticStampStyle(
            background=PdfImage(_stamp_image(str(image))),
            border_width=0,
            background_opacity=1.0,
        )
        page_w, _ = page_size
        box = _whole(
            profile.box
            or (
                page_w - 2 * MARGIN_PT - width,
                4 * MARGIN_PT,
                page_w - 2 * MARGIN_PT,
                4 * MARGIN_PT + height,
            )
        )
        return Placement(style, box, params)
    fitted = subset_font(font, cache_dir)
    if profile.appearance is Appearance.OPERATOR:
        text = "Người số hoá: %(signer)s\nThời gian ký: %(time)s"
        size = 8
        box = (
            _whole(profile.box) if profile.box else _text_box(2, size, 230, page_size, right=False)
        )
    else:  # COPY_STAMP: Times (FreeSerif) 10 pt, black, top right
        lines = [line.replace("%", "%%") for line in profile.stamp_lines]
        text = "\n".join([*lines, "%(time)s"])
        size = 10
        box = (
            _whole(profile.box)
            if profile.box
            else _text_box(len(lines) + 1, size, 190, page_size, right=True)
        )
    return Placement(_text_style(fitted, size, text), box, params)
