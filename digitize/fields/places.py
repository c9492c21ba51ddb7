"""Addresses read back with their marks where OCR lost or changed them, from what every address
is made of: the words of the administrative units ("phường", "xã", "Tổ 3", "Thôn 4") and, at
its end, a province. Both are closed lists, so a word that folds (marks dropped) to one of them
has one right spelling; ward and street names are open and left as read.

The provinces are today's 34 and the 63 before the 2025 merger: papers and cards issued before
it print the old names for years."""

from __future__ import annotations

import re
import unicodedata

from hoso.digitize.fields.textutil import fold_keep_digits, spelling

PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cần Thơ", "Cao Bằng",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
    "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình", "Huế",
    "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn",
    "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên",
    "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La",
    "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang",
    "Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc",
    "Yên Bái",
)  # fmt: skip
_PROVINCE_BY_FOLD = {fold_keep_digits(name): name for name in PROVINCES}
# The address words of one or two letters (folded: tổ, số, ấp, xã, khu phố's KP, P. and Q.),
# which open a part and are no speck
_SHORT_UNIT_WORDS = frozenset({"to", "so", "ap", "xa", "kp", "p", "q"})


def _words_key(text: str) -> str:
    """Folded, its words split wherever OCR put a hyphen, dot or dash between them: "Hải-Phóng",
    "Đà.Nẵng" and "Bà Rịa-Vũng Tàu" are looked up as their words."""
    return " ".join(re.sub(r"[^\w]+", " ", fold_keep_digits(text)).split())


_PROVINCE_BY_WORDS = {_words_key(name): name for name in PROVINCES}
# the same, its words run together as OCR may read them ("CàMau", "Nghệan"): no two collide
_PROVINCE_GLUED = {key.replace(" ", ""): name for key, name in _PROVINCE_BY_WORDS.items()}


def _spelling(text: str) -> list[tuple[str, str]]:
    """Each word as its letters (the marks that make a vowel, â ơ ư ă, kept) and its tone mark
    apart: "Hoà" and "Hòa" are one spelling, the older style placing the tone on another
    vowel; "Phóng" and "Phòng" are two."""
    words = re.sub(r"[^\w]+", " ", unicodedata.normalize("NFC", text).lower()).split()
    return [spelling(word) for word in words]


def _marks_between(text: str) -> str:
    """The punctuation between a name's words ("Bà Rịa - Vũng Tàu": "-"; "Đà.Nẵng": a speck)."""
    return re.sub(r"[\w\s]+", "", text)


def province_spelled(read: str) -> str | None:
    """The province `read` names, spelled right where OCR lost or changed its marks ("Hai
    Phong", "Hải-Phóng", "Đa Nẵng" → "Đà Nẵng"), in capitals if read in capitals; None if it
    names none. A name printed in another accepted spelling, its tone on another vowel ("Khánh
    Hoà"), is given back as printed; one with a speck between its words is not. Only a whole
    name counts: the words are a closed list, so one that folds to a province has that one
    spelling."""
    read = read.strip()
    key = _words_key(read)
    province = _PROVINCE_BY_WORDS.get(key) or _PROVINCE_GLUED.get(key.replace(" ", ""))
    if province is None:
        return None
    if _spelling(read) == _spelling(province) and _marks_between(read) == _marks_between(province):
        return read
    return province.upper() if read.isupper() else province


def ends_in_a_province(text: str) -> bool:
    """Whether the text's last words, folded, are a province ("…, tỉnh Hà Nam")."""
    return _province_words_at_end(fold_keep_digits(text).replace(",", " ").split()) > 0


def _province_words_at_end(folded: list[str]) -> int:
    """How many of the last (folded) words name a province, the fewest that do; 0 if none."""
    return next((cut for cut in (1, 2, 3, 4, 5) if " ".join(folded[-cut:]) in _PROVINCE_BY_FOLD), 0)


def without_trailing_specks(text: str) -> str:
    """The address without the specks OCR read after its province as a word or two of one or
    two characters ("…, tỉnh Nghệ An in 5", "…, Khánh Hoa 5"): an address ends on its province,
    and none is followed by such a word. Only a province standing as its own part (after a
    comma, "tỉnh" or "thành phố", or opening the text): a ward, street or hamlet may bear a
    province's name and a number ("phường Hà Giang 1", "Tổ dân phố Lạng Sơn 10"), and a part
    may follow one ("xóm Quảng Ninh, Tổ 5")."""
    words = text.split()
    for cut in (1, 2):
        tail = words[-cut:]
        if len(words) > cut and all(len(w) <= 2 for w in tail) and not _a_unit_word(tail[0]):
            head = " ".join(words[:-cut]).rstrip(" ,.;:")
            if _ends_on_its_own_province(head):
                return head
    return text


def _a_unit_word(word: str) -> bool:
    return fold_keep_digits(word).rstrip(".") in _SHORT_UNIT_WORDS


def _ends_on_its_own_province(text: str) -> bool:
    """Whether the text ends on a province's name standing as its own part (`without_trailing_
    specks`)."""
    folded = fold_keep_digits(text).replace(",", " , ").split()
    size = _province_words_at_end(folded)
    if not size:
        return False
    before = folded[-size - 1] if len(folded) > size else ","
    return before in (",", "tinh", "pho") and not (
        before == "pho" and (len(folded) < size + 2 or folded[-size - 2] != "thanh")
    )


def joined_across_lines(first: str, second: str) -> str:
    """An address printed over two lines, as one: with the comma that separates its parts
    where the second line starts a part of its own (a unit, "phường Tân Định", or the province,
    "Hồ Chí Minh") and the first did not end on one; a part cut in two ("phường Bến" / "Nghé")
    or a province cut in two ("Hải" / "Phòng") is joined by a space. Stops ending the first
    line go: an address does not end there, and a form's leader left one ("phường Dịch
    Vọng." / "Hậu, quận Cầu Giấy" had become "Dịch Vọng. Hậu")."""
    first, second = first.rstrip().rstrip(".…").rstrip(), second.strip()
    folded = fold_keep_digits(second)
    unit = any(folded == unit or folded.startswith(unit + " ") for unit in _NAMED_FOLDED)
    province = folded.split(",")[0].strip() in _PROVINCE_BY_FOLD
    # One word before the next line's first comma ends the part the first line cut: place
    # names are of two syllables or more ("phường Dịch Vọng" / "Hậu, quận Cầu Giấy").
    head = second.split(",")[0].split()
    ends_a_part = (
        "," in second
        and not province
        and len(head) == 1
        and head[0].isalpha()  # not "Q.1", "Q1" or "TP.HCM", which are parts of their own
        and head[0][:1].isupper()
        and head[0][1:].islower()
    )
    starts_a_part = (
        not ends_on_a_unit(first)
        and not ends_a_part
        and (
            unit
            or (province and not splits_a_province(first, second))
            or (_ends_on_a_whole_name(first) and ("," in second or ends_in_a_province(second)))
        )
    )
    if starts_a_part and not first.endswith(",") and not second.startswith(","):
        return f"{first}, {second}"
    return f"{first} {second}"


def ends_on_a_unit(text: str) -> bool:
    """Whether a line ends on a unit word, its name on the next ("…, tỉnh" / "Nghệ An")."""
    folded = fold_keep_digits(text).rstrip(" ,")
    return any(folded == unit or folded.endswith(" " + unit) for unit in _NAMED_FOLDED)


def _ends_on_a_whole_name(text: str) -> bool:
    """Whether the last part of an address line (after its last comma) is a place's name of
    two capitalised words with no unit word before it, as ID cards print a ward or district
    ("Xóm 5, Hải Phong" / "Hải Hậu, Nam Định"): most Vietnamese place names are two syllables,
    so the next line begins a part of its own. A unit with one word ("phường Bến" / "Nghé")
    or a street ("đường Lê" / "Lợi") is cut, and joined by a space."""
    words = text.rsplit(",", 1)[-1].split()
    if len(words) > 1 and fold_keep_digits(words[0]) in _UNIT_WORDS:
        if words[1].isdigit():
            return len(words) == 2  # "Tổ 3", "Xóm 5": a number ends its part
        words = words[1:]
    return len(words) == 2 and all(w[:1].isupper() and w.isalpha() for w in words)


def splits_a_province(before: str, after: str) -> bool:
    """Whether a line break cut a province's name in two: the last words of `before` and the
    first of `after` ("… xã Hòa Vang, Hải" / "Phòng") make one, folded as OCR may have read it."""
    tail, head = fold_keep_digits(before).split(), fold_keep_digits(after).split()
    return any(
        " ".join(tail[-cut:] + head[:rest]) in _PROVINCE_BY_FOLD
        for cut in (1, 2, 3)
        for rest in (1, 2, 3)
        if cut <= len(tail) and rest <= len(head)
    )


def province_after_its_unit(name: str) -> str:
    """A body's name with the province after its last "tỉnh"/"thành phố" spelled right
    (`province_spelled`): "Ủy ban nhân dân thành phố Đã Nẵng" → "… thành phố Đà Nẵng"."""
    units = list(_PROVINCE_UNIT.finditer(name))
    if not units:
        return name
    start = units[-1].end()
    province = province_spelled(name[start:])
    return name[:start] + province if province else name


_PROVINCE_UNIT = re.compile(r"(?<!\w)(?:tỉnh|thành phố)\s+", re.IGNORECASE)

# Units named by a number ("Tổ 3", "Khu phố 2") and the administrative units, named by a name
# ("phường Bến Nghé"; also what a heading's issuer is: "Ủy ban nhân dân tỉnh Lào Cai").
_NUMBERED = ("Tổ dân phố", "Khu phố", "Tổ", "Thôn", "Ấp", "Số", "Ngõ", "Ngách", "Hẻm", "Kiệt")
ADMINISTRATIVE_UNITS = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "thị trấn", "xã", "phường")


def _unit_pattern(units: tuple[str, ...], before: str) -> re.Pattern[str]:
    folded = sorted((fold_keep_digits(u) for u in units), key=len, reverse=True)
    words = "|".join(r"\s+".join(re.escape(w) for w in unit.split()) for unit in folded)
    return re.compile(rf"(?<![a-z])({words})(?=\s+{before})")


_NUMBERED_AT = _unit_pattern(_NUMBERED, r"\d")
# folded: a capital reads as its small letter
_NAMED_AT = _unit_pattern(ADMINISTRATIVE_UNITS, r"[a-z0-9]")
_SPELLING = {fold_keep_digits(u): u for u in (*_NUMBERED, *ADMINISTRATIVE_UNITS)}
_NAMED_FOLDED = tuple(fold_keep_digits(u) for u in ADMINISTRATIVE_UNITS)
# Parts of an address are split by commas; OCR reads a comma as ";" or as "." before a unit.
# One-word units that open an address's part ("Thôn Phú Lộc", "xã Hòa Vang", "Xóm 5").
_UNIT_WORDS = frozenset(
    fold_keep_digits(u)
    for u in (*_NUMBERED, *ADMINISTRATIVE_UNITS, "Xóm", "Bản", "Khu")
    if " " not in u
)
_SEPARATOR_MISREAD = re.compile(rf";|\.(?=\s+(?:{'|'.join(_NAMED_FOLDED)})\s)")


def correct_address(address: str) -> str:
    """The address with its unit words, the commas between its parts and its province spelled
    right ("Tố 3; phuờng Hải Châu, Hai Phong" -> "Tổ 3, phường Hải Châu, Hải Phòng"); every
    other word as read.

    Only where the reading cannot be a name: a unit word before a number ("Tố 3"); one before a
    name only when it is in small letters, as units are printed ("phuờng Hải Châu"), or has lost
    every mark and opens a part ("…, PHUONG TÂN PHONG"), and never right after another unit
    (in "phường Phương Mai", "huyện Quan Sơn", "thị xã Tịnh Biên" the second word is the name);
    the province after the last comma (`province_spelled`)."""
    address = without_trailing_specks(address)
    address = _LOW_QUOTE.sub(", ", unicodedata.normalize("NFC", address))
    address = _GLUED_DOT.sub(_dot_between_words, address)
    address = _GLUED_COLON.sub(" ", address)  # "Lào:Cai", "quận:Liên Chiểu": no address has one
    address = _GLUED_NUMBER.sub(r"\1 ", address)  # "Tố3" / "Số12"
    if sum(address.count(q) for q in _QUOTES) == 1:  # a lone quote mark: a speck ("xã “Hòa")
        address = re.sub(rf"\s*[{_QUOTES}]\s*", " ", address).strip()
    # same length as the address, character for character; a 0 or 6 inside a word before a
    # number is the ô or ố OCR read it for ("T6 3", "S0 12")
    folded = _DIGIT_FOR_O.sub("o", fold_keep_digits(address))
    chars = list(address)
    for match in _SEPARATOR_MISREAD.finditer(folded):  # "Phú Lộc; xã" / "Phú Lộc. xã"
        chars[match.start()] = ","
    parts_without_comma = []
    for pattern, named in ((_NUMBERED_AT, False), (_NAMED_AT, True)):
        for match in pattern.finditer(folded):
            start, end = match.span(1)
            if named and not _may_be_a_unit(address, folded, start, end):
                continue
            right = _SPELLING[re.sub(r"\s+", " ", match.group(1))]
            read = address[start:end]
            if len(right) != end - start:
                continue  # spaces OCR doubled: leave it
            chars[start:end] = _cased_like(right, read)
            before = "".join(chars[:start]).rstrip()
            if named and before and before[-1] not in ",(":
                parts_without_comma.append(start)
    corrected = "".join(chars)
    for start in reversed(parts_without_comma):  # "Tổ 3 phường Hải Châu": a comma OCR lost
        corrected = f"{corrected[:start].rstrip()}, {corrected[start:]}"
    head, comma, last = corrected.rpartition(",")
    province = province_spelled(last)
    if comma and province:
        return f"{head}, {province}"
    # a comma read between the province's words ("…, Cá,Mau"): its first word ends the head
    before, comma, first_word = head.rpartition(" ")
    province = province_spelled(f"{first_word} {last}") if comma else None
    if province and "," in before:
        return f"{before.rstrip(' ,')}, {province}"
    return corrected


_LOW_QUOTE = re.compile(r"\s*„\s*")  # a comma OCR read as a low quote ("Phú Lộc„xã")
_GLUED_DOT = re.compile(r"(\w+)\.(?=\w)")
_GLUED_COLON = re.compile(r"(?<=[^\W\d_]):(?=[^\W\d_])")  # a speck between two words
# a numbered unit's word ("Tổ", "Số", "Thôn", "Ấp", read with its marks or without) glued to its
# number
_GLUED_NUMBER = re.compile(r"(?<!\w)(T[ổốôoồ]|S[ốôoồổ]|Th[ôo]n|[ẤÂA]p)(?=\d)", re.IGNORECASE)
_QUOTES = '"“”'
_DIGIT_FOR_O = re.compile(r"(?<=[a-z])[06](?=\s+\d)")


def _dot_between_words(match: re.Match[str]) -> str:
    """A full stop between two words with no space is a speck where the space was ("Lê.Lợi",
    "Tố.3", "3.phường"), unless it ends an abbreviation ("TP.Huế", "P.Bến Nghé", "Đ.Lê Lợi":
    three letters at most, no tone or hat) or stands between digits ("12.5")."""
    left, following = match.group(1), match.string[match.end()]
    abbreviation = left.isalpha() and len(left) <= 3 and not _marked_vowel(left)
    if abbreviation or (left[-1].isdigit() and following.isdigit()):
        return match.group()
    return f"{left} "


def _marked_vowel(word: str) -> bool:
    """Carries a tone mark or a vowel's hat, horn or breve (Đ is a letter of its own)."""
    return any(len(unicodedata.normalize("NFD", c)) > 1 for c in word)


def _may_be_a_unit(text: str, folded: str, start: int, end: int) -> bool:
    """Whether the word at [start, end), which folds to a unit's word and stands before a name
    or a number, is that unit and not part of a name (see `correct_address`)."""
    rest = text[end:].lstrip()
    if not rest or not (rest[0].isupper() or rest[0].isdigit()):
        return False
    before = folded[:start].rstrip()
    if any(before.endswith(unit) for unit in _NAMED_FOLDED):
        return False
    read = text[start:end]
    if all(word[:1].islower() for word in read.split()):  # "thị Xa La" is no "thị xã"
        return True
    return _unmarked(read) and (not before or before.endswith(","))


def _unmarked(text: str) -> bool:
    """Read without a single diacritic (so the marks were lost, not read otherwise)."""
    return fold_keep_digits(text) == text.lower()


def _cased_like(right: str, read: str) -> list[str]:
    """`right`'s letters in the case `read` has them (first letter and all-capitals; "T6",
    one letter, is no word in capitals)."""
    if read.isupper() and sum(c.isalpha() for c in read) > 1:
        return list(right.upper())
    first = right[:1].upper() if read[:1].isupper() else right[:1].lower()
    return list(first + right[1:])
