"""Synthetic Vietnamese dossier pages with known text, skew, rotation and degradations.

Used by the tests and the benchmarks. Everything is seeded, so a page is reproducible from its
`PageSpec`. Skew follows the CLI contract: positive = content turned counter-clockwise; rotation is
the counter-clockwise turn of the whole page (0/90/180/270).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_CANDIDATES = {
    "serif": [
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    ],
    "sans": [
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ],
    "bold": [
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    ],
}

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hương",
    "Khánh",
    "Linh",
    "Lộc",
    "Mỹ",
    "Nga",
    "Phúc",
    "Quyên",
    "Sơn",
    "Thảo",
    "Tuấn",
    "Uyên",
    "Việt",
    "Yến",
    "Đạt",
    "Ánh",
]
PLACES = [
    "Hà Nội",
    "Đà Nẵng",
    "Huế",
    "Cần Thơ",
    "Hải Phòng",
    "Quảng Ngãi",
    "Nghệ An",
    "Lâm Đồng",
    "Thanh Hóa",
    "Khánh Hòa",
    "Tây Ninh",
    "Cà Mau",
]
SENTENCES = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
    "Xét đề nghị của Trưởng phòng Tư pháp về việc cấp bản sao trích lục khai sinh cho công dân;",
    "Tôi xin cam đoan những lời khai trên là đúng sự thật và chịu trách nhiệm trước pháp luật.",
    "Đề nghị cơ quan có thẩm quyền xem xét, giải quyết hồ sơ theo đúng quy định hiện hành.",
    "Hồ sơ gồm: đơn đề nghị, bản sao giấy khai sinh, căn cước công dân và giấy xác nhận cư trú.",
    "Thời hạn giải quyết không quá mười lăm ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
    "Chánh Văn phòng Ủy ban nhân dân, Thủ trưởng các cơ quan liên quan chịu trách nhiệm thi hành.",
    "Quyết định này có hiệu lực kể từ ngày ký và được niêm yết công khai tại trụ sở Ủy ban.",
    "Người yêu cầu nộp lệ phí theo quy định và nhận kết quả tại bộ phận một cửa của xã.",
    "Trường hợp hồ sơ chưa đầy đủ, cán bộ tiếp nhận hướng dẫn người nộp bổ sung một lần.",
    "Việc số hóa giấy tờ phải bảo đảm bản điện tử có giá trị sử dụng như bản giấy gốc.",
]
TITLES = [
    "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO",
    "QUYẾT ĐỊNH",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "GIẤY XÁC NHẬN CƯ TRÚ",
]


@dataclass(frozen=True)
class PageSpec:
    seed: int = 0
    dpi: int = 300
    width_in: float = 8.27  # A4
    height_in: float = 11.69
    font_pt: float = 13.0
    font: str = "serif"
    body_lines: int = 12
    skew_deg: float = 0.0
    rotation: int = 0
    noise: float = 0.0  # std-dev of gaussian noise, 0-255 scale
    blur: float = 0.0  # gaussian blur radius in px
    yellowed: bool = False
    stamp: bool = False
    jpeg_quality: int | None = None
    bilevel: bool = False


@dataclass(frozen=True)
class SyntheticPage:
    spec: PageSpec
    image: Image.Image
    text: str  # ground truth: NFC, one printed line per line, reading order

    def save(self, path: Path) -> Path:
        fmt = "JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else None
        if fmt == "JPEG":
            self.image.convert("RGB").save(
                path, quality=self.spec.jpeg_quality or 90, dpi=(self.spec.dpi,) * 2
            )
        else:
            self.image.save(path, dpi=(self.spec.dpi,) * 2)
        return path


def find_font(style: str) -> str:
    for candidate in FONT_CANDIDATES[style]:
        if Path(candidate).is_file():
            return candidate
    raise FileNotFoundError(f"no {style} font found; install fonts-liberation2 (make system-deps)")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def page_lines(spec: PageSpec) -> list[tuple[str, str]]:
    """(style, text) per printed line, in reading order."""
    rng = random.Random(spec.seed)
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2026)
    name = person_name(rng)
    province, sex_century = rng.choice(["01", "48", "79", "92"]), rng.choice("0123")
    citizen_id = f"0{province}{sex_century}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}"
    lines: list[tuple[str, str]] = [
        ("bold", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("bold", "Độc lập - Tự do - Hạnh phúc"),
        (spec.font, f"{rng.choice(PLACES)}, ngày {day:02d} tháng {month} năm {year}"),
        ("bold", rng.choice(TITLES)),
        (spec.font, f"Họ và tên: {name}"),
        (spec.font, f"Số định danh cá nhân: {citizen_id}"),
        (spec.font, f"Nơi cư trú: {rng.choice(PLACES)}"),
    ]
    for _ in range(spec.body_lines):
        lines.append((spec.font, rng.choice(SENTENCES)))
    return lines


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float
) -> list[str]:
    out: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out


def render_page(
    spec: PageSpec, lines: list[tuple[str, str]] | None = None, qr: str | None = None
) -> SyntheticPage:
    """Render `lines` ((style, text) in reading order; default: a generic dossier page), with a
    QR code of `qr` at the top left when given (chip-ID cards, issued results)."""
    rng = random.Random(spec.seed)
    width, height = int(spec.width_in * spec.dpi), int(spec.height_in * spec.dpi)
    paper = (244, 234, 200) if spec.yellowed else (255, 255, 255)
    image = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(image)
    size_px = max(6, round(spec.font_pt * spec.dpi / 72))
    margin_x, y = int(0.9 * spec.dpi), int(0.8 * spec.dpi)
    usable = width - 2 * margin_x
    truth: list[str] = []
    fonts: dict[str, ImageFont.FreeTypeFont] = {}
    if qr is not None:
        code = _qr_image(qr, module_px=max(3, spec.dpi // 60))
        image.paste(code, (margin_x, y))
        y += code.height + int(size_px * 0.5)
    for style, text in lines if lines is not None else page_lines(spec):
        font = fonts.setdefault(style, ImageFont.truetype(find_font(style), size_px))
        if "\t" in text:  # a row of columns: a two-column heading, a table row
            if y + size_px * 1.5 <= height - 0.6 * spec.dpi:
                truth.append(_draw_row(draw, text.split("\t"), font, (margin_x, y, usable)))
                y += int(size_px * 1.45)
            continue
        for line in _wrap(draw, text, font, usable):
            if y + size_px * 1.5 > height - 0.6 * spec.dpi:
                break
            draw.text((margin_x, y), line, fill=(20, 20, 25), font=font)
            truth.append(line)
            y += int(size_px * 1.45)
    if spec.stamp:
        _draw_stamp(image, rng, spec.dpi)
    return SyntheticPage(spec=spec, image=degrade(image, spec, paper), text="\n".join(truth))


def degrade(image: Image.Image, spec: PageSpec, paper: tuple[int, int, int]) -> Image.Image:
    """What scanning does to a printed page, as `spec` says: blur, skew, noise, a quarter turn,
    two levels, JPEG. Shared by every page kind (also the ID cards of the orientation tests)."""
    if spec.blur:
        image = image.filter(ImageFilter.GaussianBlur(spec.blur))
    if spec.skew_deg:
        image = image.rotate(
            spec.skew_deg, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=paper
        )
    if spec.noise:
        pixels = np.asarray(image).astype(np.float32)
        pixels += np.random.default_rng(spec.seed).normal(0, spec.noise, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if spec.rotation:
        image = image.rotate(spec.rotation, expand=True)
    if spec.bilevel:
        image = image.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1")
    if spec.jpeg_quality:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=spec.jpeg_quality)
        image = Image.open(io.BytesIO(buffer.getvalue()))
        image.load()
    return image


def _draw_row(
    draw: ImageDraw.ImageDraw,
    cells: list[str],
    font: ImageFont.FreeTypeFont,
    at: tuple[int, int, int],
) -> str:
    """Cells centred in columns as Decree 30 headings set them: the first column 40 % of the
    line, the others sharing the rest. Returns the row's text in reading order."""
    left, top, usable = at
    edges = [left, left + usable * 0.4]
    rest = len(cells) - 1
    edges += [edges[1] + usable * 0.6 * (i + 1) / rest for i in range(rest)] if rest else []
    for cell, start, end in zip(cells, edges, edges[1:], strict=False):
        width = draw.textlength(cell, font=font)
        draw.text(
            (start + max(0.0, (end - start - width) / 2), top), cell, fill=(20, 20, 25), font=font
        )
    return " ".join(cell for cell in cells if cell.strip())


def _qr_image(payload: str, module_px: int) -> Image.Image:
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=module_px, border=4)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _draw_stamp(image: Image.Image, rng: random.Random, dpi: int) -> None:
    """A red round seal, partly over the text, as on Vietnamese decisions."""
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    r = int(0.7 * dpi)
    cx, cy = int(image.width * rng.uniform(0.55, 0.7)), int(image.height * rng.uniform(0.35, 0.6))
    red = (200, 30, 40, 150)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(3, dpi // 40))
    draw.ellipse(
        (cx - r * 0.7, cy - r * 0.7, cx + r * 0.7, cy + r * 0.7),
        outline=red,
        width=max(2, dpi // 80),
    )
    font = ImageFont.truetype(find_font("bold"), max(8, dpi // 10))
    draw.text((cx - r * 0.5, cy - dpi // 20), "ỦY BAN NHÂN DÂN", fill=red, font=font)
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))


LEVELS: dict[str, dict[str, object]] = {
    "clean": {},
    "mild": {"noise": 8.0, "blur": 0.6, "jpeg_quality": 80},
    "degraded": {"noise": 18.0, "blur": 1.0, "yellowed": True, "stamp": True, "jpeg_quality": 60},
    "bilevel200": {"dpi": 200, "bilevel": True},
}


def at_level(spec: PageSpec, level: str) -> PageSpec:
    return replace(spec, **LEVELS[level])  # type: ignore[arg-type]


def render_separator(payload: str, dpi: int = 200, skew_deg: float = 0.0) -> SyntheticPage:
    """A separator sheet as a desk prints it: a title, the code in words, and the code as QR."""
    lines = [("bold", "TỜ TÁCH HỒ SƠ"), ("serif", f"Mã hồ sơ: {payload}")]
    return render_page(PageSpec(seed=3, dpi=dpi, skew_deg=skew_deg), lines, qr=payload)
