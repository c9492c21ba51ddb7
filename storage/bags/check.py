"""Is a bag whole, unchanged and safe to read? `verify_bag` answers with every problem named by
its file; `refuse_unsafe` stops a hostile bag before anything in it is read or stored.

A bag comes from outside the archive (another province, a removable disk), so it is input like
an upload: a manifest naming `../` paths, a symlink pointing out of the bag, a `fetch.txt`
asking for the network, or more entries than any export makes are refused outright, as typed
errors, before bagit or the importer opens a payload file. The BagIt checks themselves
(completeness, checksums, Payload-Oxum) are the `bagit` library's; on top, every file that
`data/mets.xml` lists must carry the checksum the manifest has for it, and every object must
be listed there.
"""

from __future__ import annotations

import contextlib
import lzma
import os
import shutil
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from xml.parsers import expat

import bagit

from hoso.errors import InputError
from hoso.files import BAG_SCRATCH, scratch_folder
from hoso.storage.bags import mets

MAX_ENTRIES = 200_000  # files in a bag (and lines of a manifest); an export makes ~5 per document
MAX_TAG_BYTES = 64 * 1024**2  # a manifest, bag-info, the METS file
FREE_AFTER_UNZIP = 1024**3  # a zipped bag is unpacked only if this much space is left after it
TAG_FILES = ("bagit.txt", "bag-info.txt")


class BagInvalidError(InputError):
    """The bag is incomplete or changed: its files do not match its manifests or METS."""

    code = "bag_invalid"
    http_status = 422


class UnsafeBagError(BagInvalidError):
    """The bag is built to escape or exhaust the reader (paths out of it, links, bombs)."""

    code = "bag_unsafe"


@dataclass(frozen=True)
class BagReport:
    path: Path
    problems: list[str] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, str] = field(default_factory=dict)  # data/... -> sha256

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_invalid(self) -> None:
        if self.problems:
            listed = "; ".join(self.problems[:20])
            more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
            raise BagInvalidError(f"the bag does not verify: {listed}{more}", source=self.path.name)


def verify_bag(path: Path) -> BagReport:
    """Every problem of the bag at `path`, each naming its file (empty: the bag is sound)."""
    refuse_unsafe(path)
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as error:
        return BagReport(path, [f"not a readable bag: {error}"])
    # bagit stops at a wrong Payload-Oxum without naming the files: name them first.
    missing, unexpected = bag.compare_manifests_with_fs()
    problems = [f"{name} is in the manifest but not in the bag" for name in sorted(missing)]
    problems += [f"{name} is in the bag but not in the manifest" for name in sorted(unexpected)]
    try:
        bag.validate(processes=1)
    except bagit.BagValidationError as error:
        problems += [str(detail) for detail in error.details] or [str(error.message)]
        if not error.details:  # stopped at the Payload-Oxum: the checksums name the files
            problems += _changed_files(bag)
    manifest = {name: sums.get("sha256", "") for name, sums in bag.entries.items()}
    problems += _mets_problems(path, manifest)
    info = {str(k): str(v) for k, v in bag.info.items()}
    return BagReport(path, problems, info, manifest)


@contextlib.contextmanager
def opened_bag(path: Path) -> Iterator[Path]:
    """The bag's folder: `path` itself, or a zipped bag (as `POST /exports` hands it out, the
    bag's folder at the top) unpacked into a temporary folder that goes away afterwards.

    A zip is as hostile as a folder: every name must stay inside, entries are only folders and
    regular files (a link is refused, not followed), the count is bounded, and the sizes the
    zip declares (which reading cannot exceed) must leave `FREE_AFTER_UNZIP` on the disk."""
    if path.is_dir() or not zipfile.is_zipfile(path):
        yield path
        return
    with scratch_folder(BAG_SCRATCH) as scratch:
        yield _unzipped(path, Path(scratch))


# What zipfile and the codecs raise for a zip they cannot unpack: a damaged directory or entry
# (CRC, deflate/bzip2/lzma data), a password, an unknown method, a name the disk refuses (too
# long, a file where a folder is).
_UNPACKING_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, RuntimeError,
    NotImplementedError, ValueError,
)  # fmt: skip
_PACKER_LITTER = ("__MACOSX", ".DS_Store")  # what macOS adds when it compresses a folder


def _unzipped(path: Path, scratch: Path) -> Path:
    try:
        if central_directory_entries(path, MAX_ENTRIES) > MAX_ENTRIES:
            raise UnsafeBagError(f"more than {MAX_ENTRIES} entries", source=path.name)
        with zipfile.ZipFile(path) as zipped:
            members = zipped.infolist()
            _refuse_unsafe_zip(path, members, scratch)
            for member in members:
                if PurePosixPath(member.filename).parts[0] not in _PACKER_LITTER:
                    zipped.extract(member, scratch)
    except _UNPACKING_ERRORS as error:
        raise BagInvalidError(f"the zip cannot be unpacked: {error}", source=path.name) from None
    tops = [entry for entry in scratch.iterdir()]
    return tops[0] if len(tops) == 1 and tops[0].is_dir() else scratch


_END = b"PK\x05\x06"  # end of central directory record
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_ENTRY = b"PK\x01\x02"  # a central directory file header (46 bytes, then name, extra, comment)


def central_directory_entries(path: Path, limit: int) -> int:
    """How many entries the zip's central directory holds, counted header by header without
    building them, stopping once past `limit`. `zipfile` reads the whole directory into objects
    before anyone can count them: millions of tiny entries cost memory first. The directory is
    found from its end record (zip64 too); its declared count is not trusted."""
    with path.open("rb") as file:
        start, size = _central_directory(file)
        file.seek(start)
        count = read = 0
        while read < size and count <= limit:
            header = file.read(46)
            if len(header) < 46 or header[:4] != _ENTRY:
                break
            name, extra, comment = struct.unpack("<HHH", header[28:34])
            file.seek(name + extra + comment, os.SEEK_CUR)
            read += 46 + name + extra + comment
            count += 1
    return count


def _central_directory(file: BinaryIO) -> tuple[int, int]:
    """(where the central directory starts, its size), from the end record: the directory
    ends where the (zip64) end record begins, whatever was prepended to the zip."""
    file.seek(0, os.SEEK_END)
    length = file.tell()
    file.seek(max(0, length - 22 - 0xFFFF))  # the end record, then a comment of at most 64 KiB
    tail_at = file.tell()
    tail = file.read()
    end = tail.rfind(_END)
    while end >= 0 and end + 22 + int.from_bytes(tail[end + 20 : end + 22], "little") != len(tail):
        end = tail.rfind(_END, 0, end)  # that one was in the zip's comment: the record's own
    if end < 0:  # length ends the file
        raise zipfile.BadZipFile("no end of central directory record")
    (size,) = struct.unpack("<I", tail[end + 12 : end + 16])
    directory_end = tail_at + end
    locator = end - 20
    if locator >= 0 and tail[locator : locator + 4] == _END64_LOCATOR:
        (declared_at,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        for record_at in (tail_at + locator - 56, declared_at):  # right before its locator
            file.seek(max(0, record_at))
            record = file.read(56)
            if len(record) == 56 and record[:4] == _END64:
                (size,) = struct.unpack("<Q", record[40:48])
                directory_end = max(0, record_at)
                break
    return max(0, directory_end - size), size


def _refuse_unsafe_zip(path: Path, members: list[zipfile.ZipInfo], scratch: Path) -> None:
    if len(members) > MAX_ENTRIES:
        raise UnsafeBagError(f"more than {MAX_ENTRIES} entries", source=path.name)
    for member in members:
        kind = stat.S_IFMT(member.external_attr >> 16)
        if not safe_relative(member.filename.rstrip("/")):
            raise UnsafeBagError(f"{member.filename!r} leads out of the bag", source=path.name)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeBagError(f"{member.filename} is not a regular file", source=path.name)
    declared = sum(member.file_size for member in members)
    free = shutil.disk_usage(scratch).free
    if declared + FREE_AFTER_UNZIP > free:
        raise UnsafeBagError(
            f"unzipped it takes {declared} bytes and {scratch.parent} has {free} free: unzip "
            "it where there is room (or set TMPDIR) and give the folder",
            source=path.name,
        )


def refuse_unsafe(path: Path) -> None:
    """Raise `UnsafeBagError` for a bag that is not a plain tree of regular files inside
    itself, asks for the network, or has more entries or bigger tag files than an export."""
    if path.is_symlink() or not path.is_dir():
        raise UnsafeBagError(
            "a bag is a folder or a zip of one (not a link, not another file)", source=path.name
        )
    count = 0
    for folder, folders, files in os.walk(path, followlinks=False):
        for name in [*folders, *files]:
            entry = Path(folder) / name
            shown = entry.relative_to(path).as_posix()
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise UnsafeBagError(f"{shown} is a symbolic link", source=path.name)
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise UnsafeBagError(f"{shown} is not a regular file", source=path.name)
            count += 1
            if count > MAX_ENTRIES:
                raise UnsafeBagError(f"more than {MAX_ENTRIES} entries", source=path.name)
    if (path / "fetch.txt").exists():
        raise UnsafeBagError("fetch.txt: hoso fetches nothing from the network", source=path.name)
    for tag in path.iterdir():
        if tag.is_file() and tag.stat().st_size > MAX_TAG_BYTES:
            raise UnsafeBagError(f"{tag.name} is larger than {MAX_TAG_BYTES} bytes")
        if tag.name.startswith(("manifest-", "tagmanifest-")) and tag.suffix == ".txt":
            _refuse_unsafe_manifest(tag, payload=tag.name.startswith("manifest-"))


def safe_relative(name: str) -> bool:
    """A path that stays inside the folder it is read from."""
    if not name or "\\" in name or "\x00" in name or name.startswith(("/", "~")):
        return False
    parts = PurePosixPath(name).parts
    inside = all(part not in ("", ".", "..") for part in parts)
    return bool(parts) and inside and ":" not in parts[0]


def _refuse_unsafe_manifest(manifest: Path, payload: bool) -> None:
    with manifest.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if number > MAX_ENTRIES:
                raise UnsafeBagError(f"{manifest.name} lists more than {MAX_ENTRIES} files")
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split(None, 1)
            name = parts[1].strip() if len(parts) == 2 else ""
            inside = safe_relative(name) and (not payload or name.startswith("data/"))
            if not inside:
                raise UnsafeBagError(
                    f"{manifest.name} line {number} names a path outside the bag: {name!r}"
                )


class _Declared(Exception):
    pass


def _refuse_declaration(*_args: object) -> None:
    raise _Declared


def _declares_doctype(content: bytes) -> bool:
    """Whether the XML declares a DOCTYPE or entities, asked of the XML parser itself: a byte
    search misses them in UTF-16 or another encoding the parser reads. The parse stops at the
    declaration, before any entity is expanded; a document that does not parse is left to
    the METS reader to name."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    try:
        parser.Parse(content, True)
    except _Declared:
        return True
    except expat.ExpatError:
        return False
    return False


def _changed_files(bag: bagit.Bag) -> list[str]:
    """Every payload file whose checksum is not the manifest's (bagit checks them only when the
    Payload-Oxum agrees, and a file that grew or shrank changes the Payload-Oxum)."""
    try:
        bag._validate_entries(processes=1)  # bagit 1.9 (pinned): its checksum pass on its own
    except bagit.BagValidationError as error:
        return [str(detail) for detail in error.details]
    return []


def _mets_problems(path: Path, manifest: dict[str, str]) -> list[str]:
    """The METS file lists every object with the checksum the manifest has for it."""
    document = path / "data" / "mets.xml"
    if not document.is_file():
        return ["data/mets.xml is missing"]
    content = document.read_bytes()
    if _declares_doctype(content):
        raise UnsafeBagError("data/mets.xml declares a DOCTYPE or entities", source=path.name)
    problems: list[str] = []
    try:
        listed = list(mets.listed_files(content))
    except (SyntaxError, ValueError) as error:  # ParseError is a SyntaxError
        return [f"data/mets.xml cannot be read: {error}"]
    seen = set()
    for href, sha256, _size in listed:
        name = f"data/{href}"
        seen.add(name)
        if not safe_relative(href):
            raise UnsafeBagError(f"data/mets.xml names a path outside the bag: {href!r}")
        if name not in manifest:
            problems.append(f"{name} is listed in data/mets.xml but not in the manifest")
        elif manifest[name] != sha256:
            problems.append(f"{name}: data/mets.xml says SHA-256 {sha256}, the manifest says "
                            f"{manifest[name]}")  # fmt: skip
    for name in manifest:
        if name.startswith("data/objects/") and name not in seen:
            problems.append(f"{name} is not listed in data/mets.xml")
    return problems
