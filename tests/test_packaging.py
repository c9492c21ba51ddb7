"""A regular install works: the wheel holds every package and model, installs nothing but `hoso`,
and runs from anywhere. Editable installs and CI's own venv hide a missing package, so the wheel is
built here from a clean copy of the tracked tree and installed (not editable) into a fresh venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hoso.errors import ExitCode

REPO = Path(__file__).resolve().parent.parent
PARTS = ("digitize", "api", "storage", "workflows", "signatures", "ocr_models")

pytestmark = pytest.mark.xdist_group("packaging")


def tracked_files() -> list[str]:
    """What a clean clone holds: tracked files plus new ones not ignored (a session's own work)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout  # fmt: skip
    return sorted({name for name in listing.decode().split("\0") if name})


def clean_copy(target: Path) -> Path:
    for name in tracked_files():
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet in git
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            destination.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, destination)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    source = clean_copy(tmp_path_factory.mktemp("clean") / "hoso")
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = out.glob("hoso-*.whl")
    yield built, build.stdout + build.stderr


def test_only_hoso_lands_in_site_packages(wheel: tuple[Path, str]) -> None:
    names = zipfile.ZipFile(wheel[0]).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"hoso"}


def test_every_package_folder_is_in_the_wheel(wheel: tuple[Path, str]) -> None:
    """A folder with modules that the build forgot (`digitize/ocr` once) fails here by name."""
    names = set(zipfile.ZipFile(wheel[0]).namelist())
    expected = {
        f"hoso/{path.relative_to(REPO).as_posix()}"
        for part in PARTS
        for path in (REPO / part).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and (
            path.suffix in (".py", ".traineddata", ".mako", ".js", ".toml")
            or path.name == "PROVENANCE.md"
        )
    } | {f"hoso/{path.name}" for path in (REPO / "hoso").glob("*.py")}
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing[:20]}"


def test_no_deprecated_data_fallback(wheel: tuple[Path, str]) -> None:
    """Data in a folder that is not a listed package installs only through a deprecated
    setuptools fallback that a future setuptools drops."""
    assert "absent from the `packages` configuration" not in wheel[1]


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_digitizes_from_elsewhere(
    wheel: tuple[Path, str], tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Dependencies come from this venv's site-packages (added after the fresh venv's own, and
    # without its .pth files, so the editable hoso there stays invisible); hoso from the wheel.
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel[0])],
        capture_output=True, text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "desk"
    elsewhere.mkdir()
    shutil.copy(REPO / "samples" / "dossier-page1.jpg", elsewhere / "scan.jpg")
    where = subprocess.run(
        [str(python), "-c", "import hoso.digitize.pipeline as m; print(m.__file__)"],
        cwd=elsewhere, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(site)), where.stdout
    result = subprocess.run(
        [str(venv / "bin" / "hoso"), "digitize", "scan.jpg", "-o", "scan.pdf", "--json",
         "scan.json", "--quiet"],
        cwd=elsewhere, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert (elsewhere / "scan.pdf").read_bytes().startswith(b"%PDF-")
    (page,) = json.loads((elsewhere / "scan.json").read_text(encoding="utf-8"))["pages"]
    assert page["rotation"] == 180  # the sample is scanned upside down: models were found
    assert len(page["text"]) > 200


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def docker_ignored(path: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch(prefix, pattern) or fnmatch(prefix, pattern.removeprefix("**/"))
        or fnmatch(parts[-1], pattern.removeprefix("**/"))
        for pattern in patterns
        for prefix in prefixes
    )  # fmt: skip


def test_docker_build_context_has_everything_the_image_needs() -> None:
    """Every path the Dockerfile copies exists in a clean clone and is not ignored, and the
    context keeps every file the wheel is built from (the image once lacked two packages)."""
    ignore_file = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [p.strip() for p in ignore_file if p.strip() and not p.startswith("#")]
    files = tracked_files()
    copies = [
        args for instruction, args in dockerfile_instructions() if instruction in ("COPY", "ADD")
    ]
    assert copies
    for arguments in copies:
        words = arguments.split()
        if any(word.startswith("--from") for word in words):
            continue
        for source in [w for w in words if not w.startswith("--")][:-1]:
            if source == ".":
                continue
            assert any(f == source or f.startswith(source.rstrip("/") + "/") for f in files), source
            assert not docker_ignored(source, patterns), f"{source} is in .dockerignore"
    needed = [f for f in files if f.split("/")[0] in (*PARTS, "hoso")]
    needed += ["pyproject.toml", "README.md", "constraints.txt"]
    assert [f for f in needed if docker_ignored(f, patterns)] == []
    assert any(args.split()[0] == "." for i, args in dockerfile_instructions() if i == "COPY")


def test_docker_image_installs_known_packages() -> None:
    """System packages are ones the project already installs and tests with; the build stage's
    setuptools is the pinned one."""
    script = (REPO / "scripts" / "system-deps.sh").read_text(encoding="utf-8")
    runs = " ".join(args for instruction, args in dockerfile_instructions() if instruction == "RUN")
    words = runs.split()
    apt: list[str] = []
    for start in (
        i for i, w in enumerate(words) if w == "apt-get" and words[i + 1 : i + 2] == ["install"]
    ):
        for word in words[start + 2 :]:
            if word == "&&":
                break
            if not word.startswith("-"):
                apt.append(word)
    assert apt and all(name in script for name in apt), apt
    pins = (REPO / "constraints.txt").read_text(encoding="utf-8")
    for pinned in (w.strip('"') for w in words if w.strip('"').startswith("setuptools==")):
        assert pinned in pins, pinned
    assert "-c" in words, "pip installs in the image must use constraints.txt"
