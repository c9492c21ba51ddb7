"""The words of a person's name OCR doubted, read back with their marks where it changed one.

Vietnamese middle and given names are drawn from a small stock of syllables: a few hundred
cover nearly every name printed on a civil-status paper. On a noisy 150-dpi scan most of what
OCR gets wrong in a name is a mark ("Thụ" for "Thu", "HẢ" for "HÀ", "Uyện" for "Uyên", "Hưu"
for "Hữu") or a letter it confuses with a look-alike ("GJANG"), and the word it reads is then
no name anyone bears. Such a word is given back as the name syllable it differs from the
least: first by its tone mark alone, then by a vowel's hat or horn too, then, where the word
cannot be a Vietnamese syllable at all, by one look-alike letter; among equals, the more
common name (`NAME_SYLLABLES` is in that order).

Only where OCR errs are names looked at (`on_page`): a word it was unsure of, or any word on a
page it read poorly. Tesseract is sure of most misread marks ("Thụ" at 95 %, "Uyện" at 92 %),
but on a clean page a word outside the list is more likely a rarer name read right ("Thụ" and
"Trầm" are names too), and is left as read. A name syllable as read is never touched; every
word changed is a repair a person confirms.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from hoso.digitize.fields.textutil import (
    fold_keep_digits,
    spelling,
    syllable_shaped,
    without_tone,
)

# Middle and given names, the most common first (the order breaks ties between spellings the
# same distance from a word read). Family names are `extract.SURNAMES`.
NAME_SYLLABLES = (
    "Văn", "Thị", "Minh", "Anh", "Ngọc", "Thanh", "Hoàng", "Hữu", "Đức", "Quốc", "Thu", "Xuân",
    "Linh", "Hương", "Trang", "Hà", "Huy", "Hùng", "Dũng", "Tuấn", "Nam", "Long", "Hải", "Sơn",
    "Kim", "Hồng", "Quang", "Thành", "Công", "Bảo", "Gia", "Phương", "Mạnh", "Trung", "Hoài",
    "Khánh", "Thùy", "Bích", "Mỹ", "Diệu", "Tiến", "Việt", "Đình", "Duy", "Trọng", "Như", "Lan",
    "Phúc", "Bá", "Kiều", "Yến", "Vĩnh", "Thái", "Hiếu", "Nhật", "Tấn", "Thế", "Chí", "Tú", "Thúy",
    "Thủy", "Huyền", "Cẩm", "Ánh", "Tuyết", "Mai", "Diễm", "Trí", "Đăng", "Nguyên", "Vân", "Ngân",
    "Hạnh", "Thảo", "Hoa", "Hằng", "Nga", "Vy", "Nhung", "Dung", "Trinh", "Châu", "Giang", "Quyên",
    "Uyên", "Loan", "Oanh", "Liên", "Nhi", "Tâm", "Thư", "Trâm", "Tiên", "Hiền", "Duyên", "Hậu",
    "Hân", "My", "Nguyệt", "Nhàn", "Phượng", "Quỳnh", "Tươi", "Cúc", "Đào", "Lệ", "Thơ", "Thắm",
    "An", "Bình", "Cường", "Chiến", "Đạt", "Định", "Đông", "Dương", "Hào", "Hiển", "Hiệp", "Hòa",
    "Hưng", "Khải", "Khang", "Khoa", "Khôi", "Kiên", "Lâm", "Lộc", "Lợi", "Luân", "Lực", "Nghĩa",
    "Nhân", "Ninh", "Phát", "Phong", "Phú", "Quân", "Quý", "Quyết", "Sang", "Tài", "Tân", "Thắng",
    "Thịnh", "Thông", "Tín", "Toàn", "Triều", "Trường", "Tùng", "Vinh", "Vũ", "Vương", "Tường",
    "Thiện", "Thuận", "Tuệ", "Khiêm", "Lương", "Ngà", "Quế", "Trà", "Ly", "Huệ", "Hảo", "Đan",
    "Diệp", "Hiệu", "Khương", "Kỳ", "Lĩnh", "Nhã", "Phi", "Sáng", "Sỹ", "Tạo", "Thi", "Thoa",
    "Thơm", "Thục", "Trực", "Tuyền", "Vi", "Xuyến", "Yên", "Ân", "Bằng", "Cao", "Chinh", "Chung",
    "Điệp", "Đoan", "Đồng", "Giao", "Hạ", "Hiên", "Hòe", "Hợp", "Hưởng", "Kha", "Khuê", "Lành",
    "Liễu", "Lụa", "Nương", "Phấn", "Phụng", "Sen", "Sương", "Thạch", "Thiều", "Thoại", "Thường",
    "Tình", "Trân", "Trúc", "Tuân", "Tuyến", "Uy", "Vàng", "Vui", "Xoan", "Ý", "Ngát", "Nhạn",
    "Ngôn", "Phước", "Lài", "Gấm", "Hội", "Kiệt", "Lập", "Luyến", "Mẫn", "Mến", "Miên", "Ngữ",
    "Nhiên", "Nhu", "Quới", "Sinh", "Tào", "Thìn", "Tịnh", "Trị", "Ước", "Viên", "Vỹ", "Ngọ",
    "Đại", "Điền", "Thụy", "Khắc", "Đắc", "Bắc", "Biên", "Cảnh", "Chánh", "Chính", "Chương",
    "Danh", "Dân", "Doanh", "Dự", "Đài", "Đạo", "Độ", "Đôn", "Được", "Giáp", "Hạc", "Hiến", "Hoan",
    "Hoán", "Hoạt", "Học", "Huân", "Huấn", "Hướng", "Kế", "Khâm", "Khởi", "Kính", "Lạc", "Lai",
    "Lãm", "Lãng", "Lễ", "Liêm", "Luật", "Lượng", "Mừng", "Nghị", "Nghiêm", "Nhẫn", "Nhuận",
    "Pháp", "Quảng", "Quyền", "Sâm", "Sáu", "Tám", "Tánh", "Thạnh", "Thao", "Thâm", "Thân",
    "Thiêm", "Thiết", "Thọ", "Thống", "Thuyên", "Toán", "Toản", "Tố", "Tôn", "Trác", "Trạch",
    "Tráng", "Trình", "Truyền", "Tư", "Tứ", "Tước", "Tuyên", "Tuyển", "Út", "Vạn", "Viễn", "Vịnh",
    "Vọng", "Ái", "Bé", "Bông", "Chi", "Dạ", "Dịu", "Khuyên", "Lam", "Mận", "Mơ", "Mộng", "Na",
    "Nết", "Nhụy", "Nữ", "Thiên", "Thương", "Xinh", "Cẩn", "Cần", "Chất", "Chỉnh", "Cương", "Dinh",
    "Dụng", "Đảm", "Giàu", "Hóa", "Khanh", "Mão", "Mậu", "Nhâm", "Nhất", "Tý", "Luyện", "Thuần",
    "Khiết", "Diễn", "Hồ", "Tòng", "Nghiệp", "Phùng", "Tuất", "Dậu", "Hợi", "Tỵ", "Sửu", "Dần",
    "Mùi", "Thúc", "Kỷ", "Canh", "Bính", "Đẹp", "Lựu", "Vượng",
)  # fmt: skip

# Names that are no misreading when read, though none is a likely repair of another: family
# names borne as middle names ("Nguyễn Lê Minh Anh", "Trần Nguyễn Bảo Ngọc"), the south's
# birth-order and plain names ("Hai", "Ba", "Năm", "Đực"), rarer names one mark from a common one
# ("Trầm", "Hiện"; not "Thụ": on a page read poorly it is far likelier a "Thu" misread). A
# reviewing helper's lists of real names had one in eleven "repaired" wrong on a poorly read
# page before these were known.
NAMES_AS_READ = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương", "Trương", "Mai", "Tô", "Lưu",
    "Từ", "Lại", "Triệu", "Tống", "Lục", "Doãn", "Quan", "Đàm", "Cầm", "Hầu", "Bế", "Sầm", "Cao",
    "Châu", "Phùng", "La", "Tạ", "Mạc", "Lâm", "Kiều", "Thân", "Âu", "Ông", "Giáp", "Nông",
    "Hai", "Ba", "Bốn", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười", "Út", "Đực", "Lắm", "Dư",
    "Nụ", "Khả", "Tèo", "Tí", "Tư", "Trầm", "Hiện", "Ký", "Tự", "Du", "Khai", "Thiệu",
    "Tông", "Khuyến", "Ngạn", "Ẩn", "Thưởng", "Quyến", "Giàng", "Chiên", "Điểm", "Hoàn", "Doan",
    "Vĩ", "Mỵ", "Uý", "Sử", "Kiểu", "Lữ", "Nhự", "Thạo", "Miền", "Ngự", "Thẩm", "Hoằng",
    "Điển", "Huyên", "Ngư", "Lanh", "Nghi", "Chiêu", "Điều", "Hàn", "Thi",
)  # fmt: skip

# Letters OCR reads for one another in Latin print (both ways; compared in small letters).
LOOK_ALIKES = (("i", "j"), ("i", "l"), ("e", "c"), ("n", "u"))

_TONE_ONLY, _VOWEL_MARK, _LOOK_ALIKE = 1, 2, 3


def _index() -> dict[str, list[tuple[int, str]]]:
    """Each name syllable by its folded letters (marks dropped), with its rank."""
    by_fold: dict[str, list[tuple[int, str]]] = {}
    for rank, syllable in enumerate(NAME_SYLLABLES):
        by_fold.setdefault(fold_keep_digits(syllable), []).append((rank, syllable.lower()))
    return by_fold


_BY_FOLD = _index()


_NAMES = frozenset(spelling(n.lower()) for n in (*NAME_SYLLABLES, *NAMES_AS_READ))


def _look_alike_folds(folded: str) -> set[str]:
    """`folded` with one letter changed for a look-alike."""
    variants = set()
    for at, letter in enumerate(folded):
        for one, other in LOOK_ALIKES:
            for read, meant in ((one, other), (other, one)):
                if letter == read:
                    variants.add(folded[:at] + meant + folded[at + 1 :])
    return variants


def name_syllable(word: str) -> str | None:
    """The name syllable `word` was most likely printed as, in `word`'s case, when `word` is
    none (None when it is one, in either place of its tone mark, "Hoà" or "Hòa"; or near none)."""
    read = unicodedata.normalize("NFC", word).lower()
    if not read.isalpha() or len(read) < 2:
        return None
    if spelling(read) in _NAMES:
        return None
    folded, letters = fold_keep_digits(read), without_tone(read)
    same_letters = [(rank, s) for rank, s in _BY_FOLD.get(folded, []) if without_tone(s) == letters]
    other_marks = [entry for entry in _BY_FOLD.get(folded, []) if entry not in same_letters]
    # read with no mark at all, every mark was lost: the most common name of those letters
    # ("Van" is "Văn", not "Vạn")
    unmarked = folded == read
    candidates = [(_TONE_ONLY, rank, s) for rank, s in same_letters] + [
        (_TONE_ONLY if unmarked else _VOWEL_MARK, rank, s) for rank, s in other_marks
    ]
    if not candidates and not syllable_shaped(read):
        candidates = [
            (_LOOK_ALIKE, rank, s)
            for variant in _look_alike_folds(folded)
            for rank, s in _BY_FOLD.get(variant, [])
        ]
    if not candidates:
        return None
    best = min(candidates)[2]
    if word.isupper():
        return best.upper()
    return best[:1].upper() + best[1:] if word[:1].isupper() else best


def with_name_syllables(
    name: str, surnames: frozenset[str], doubted: Callable[[str], bool]
) -> tuple[str, int]:
    """`name` with each word after a known family name (folded, in `surnames`) that is
    `doubted` and is no name syllable given back as the one it was most likely printed as; and
    how many were. A name whose first word is no known family name (a minority or foreign name,
    or a family name misread) is left as read."""
    words = name.split(" ")
    if len(words) < 2 or fold_keep_digits(words[0]) not in surnames:
        return name, 0
    changed = 0
    for at in range(1, len(words)):
        meant = name_syllable(words[at]) if doubted(words[at]) else None
        if meant is not None:
            words[at], changed = meant, changed + 1
    return " ".join(words), changed
