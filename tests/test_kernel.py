"""The kernel's contracts: exit codes, error codes, atomic writes and hashing."""

from __future__ import annotations

import hashlib
import importlib
import io
import pkgutil
from pathlib import Path

import pytest

import hoso
from hoso.errors import ExitCode, HosoError, OutputError, exit_codes_help, exit_codes_markdown
from hoso.files import TooLargeError, atomic_output, hash_stream, sha256_file

REPO = Path(__file__).resolve().parent.parent


def all_error_classes() -> list[type[HosoError]]:
    for module in pkgutil.walk_packages(hoso.__path__, "hoso."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, queue = [], [HosoError]
    while queue:
        cls = queue.pop()
        found.append(cls)
        queue += cls.__subclasses__()
    return found


def test_exit_codes_are_unique_and_explained() -> None:
    # Enum aliases would merge two names with the same number silently
    assert len(ExitCode.__members__) == len(list(ExitCode))
    assert all(code.meaning for code in ExitCode)
    assert (ExitCode.INTERRUPTED.value, ExitCode.OK.value) == (130, 0)


def test_error_codes_are_unique() -> None:
    classes = [cls for cls in all_error_classes() if "code" in vars(cls)]
    codes = [cls.code for cls in classes]
    duplicated = {code for code in codes if codes.count(code) > 1}
    assert not duplicated, [c.__qualname__ for c in classes if c.code in duplicated]
    assert len(classes) > 20  # every part's errors were found


def test_error_codes_are_stable_identifiers() -> None:
    for cls in all_error_classes():
        assert cls.code.isascii() and cls.code.replace("_", "").isalnum(), cls
        assert isinstance(cls.exit_code, ExitCode), cls
        assert 400 <= cls.http_status < 600, cls


def test_readme_exit_code_table_is_generated_from_the_enum() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert exit_codes_markdown() in readme, "README's exit-code table differs from ExitCode"


def test_help_lists_every_exit_code() -> None:
    text = exit_codes_help()
    for code in ExitCode:
        assert f"{code.value} " in text


def test_atomic_output_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out" / "result.pdf"
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        temp.write_bytes(b"half a file")
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []
    with atomic_output(target) as temp:
        temp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"


def test_atomic_output_into_an_unwritable_place_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError), atomic_output(blocker / "sub" / "x.pdf"):
        pass


def test_hashing_matches_hashlib_and_limits(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # more than one chunk
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == expected
    copy = io.BytesIO()
    assert hash_stream(io.BytesIO(data), copy) == (expected, len(data))
    assert copy.getvalue() == data
    with pytest.raises(TooLargeError):
        hash_stream(io.BytesIO(data), limit=len(data) - 1)
