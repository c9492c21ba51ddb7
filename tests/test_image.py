"""The service image builds from a clean copy of the repository and works: the CLI answers, a
scan is digitized inside it into a PDF whose text layer reads Vietnamese, and `hoso serve`
answers its health probe on the address the image listens on.

Built with buildah as `make image` builds it (scripts/image-build.sh: the locally made Debian base,
then the Dockerfile), into a buildah storage of the suite's own under /var/cache/hoso-image that
outlives the run: every layer but the wheel's stays cached, so a code change costs a wheel build
(about a minute), a change of the runtime requirements or constraints.txt a dependency install
(about four), and a machine that never built it debootstrap as well (about one more). After the
tests the storage is pruned to what that build used, so it does not grow run after run.

The storage is shared by every run on the machine (a developer's suite, a clean-clone check, CI),
so a run holds an exclusive lock on it from its build until its prune: two runs at once would
move each other's tag and prune each other's layers (seen: a CI run's image gone between its build
and its first test).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pdfplumber
import pytest

from hoso.errors import ExitCode
from tests.deployment import free_port
from tests.test_packaging import REPO, clean_copy

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("image")]

CACHE = Path("/var/cache/hoso-image")
TAG = "localhost/hoso:suite"
BUILD_TIMEOUT_S = 1800  # the first build on a machine: debootstrap, apt and every dependency
RUN_TIMEOUT_S = 300


def buildah_missing() -> str | None:
    """Why buildah cannot build here, or None. It needs root (chroot isolation, debootstrap)."""
    if os.geteuid() != 0:
        return "building the image needs root (buildah chroot isolation, debootstrap)"
    missing = [tool for tool in ("buildah", "debootstrap") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not installed: `make install` runs scripts/system-deps.sh"
    return None


@dataclass(frozen=True)
class Buildah:
    """buildah on the suite's own storage (so pruning it never touches anyone's images)."""

    env: Mapping[str, str]

    def __call__(
        self, *args: str, timeout: float = RUN_TIMEOUT_S, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["buildah", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check:
            assert result.returncode == 0, f"buildah {' '.join(args)}:\n{result.stderr}"
        return result

    def run(
        self, container: str, *command: str, volume: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The command in the container, as the image's user, on the host's network."""
        mount = ["--volume", f"{volume}:/work"] if volume else []
        return self("run", "--isolation", "chroot", *mount, container, "--", *command, check=False)


def suite_storage(folder: Path) -> dict[str, str]:
    """The environment that points buildah (and the scripts it runs under) at the suite's storage:
    overlay, unless STORAGE_DRIVER says otherwise (vfs where overlay cannot mount)."""
    driver = os.environ.get("STORAGE_DRIVER", "overlay")
    conf = folder / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "{driver}"\ngraphroot = "{CACHE}/suite-storage"\n'
        'runroot = "/run/hoso-image-suite"\n',
        encoding="utf-8",
    )
    return {**os.environ, "CONTAINERS_STORAGE_CONF": str(conf)}


def listed(buildah: Buildah, *args: str) -> list[dict[str, Any]]:
    """buildah's JSON listing, or nothing when the listing itself fails."""
    result = buildah(*args, "--json", check=False)
    if result.returncode != 0:
        print(f"buildah {' '.join(args)} failed, not pruned: {result.stderr.strip()}")
        return []
    return json.loads(result.stdout or "null") or []


def prune(buildah: Buildah, build_output: str) -> None:
    """Drop every untagged image (and container on it) that this build did not use: the cache
    keeps exactly one build's layers, and earlier builds' wheels do not pile up.

    Housekeeping only, so it never fails the tests: buildah's storage left behind by a run
    that was killed can answer `containers` with "container not known" (seen in CI) while
    building and running from it still work."""
    used = re.findall(r"^--> (?:Using cache )?([0-9a-f]{11,64})$", build_output, re.MULTILINE)
    stale = [
        image["id"]
        for image in listed(buildah, "images", "--all")
        if not image.get("names") and not any(image["id"].startswith(id_) for id_ in used)
    ]
    for container in listed(buildah, "containers"):
        if container.get("imageid") in stale:
            buildah("rm", container["id"], check=False)
    if stale:
        buildah("rmi", *stale, check=False)


@contextlib.contextmanager
def storage_lock(timeout_s: float) -> Iterator[None]:
    """The suite's buildah storage to this run alone until the block ends (or the process dies:
    the kernel drops a dead process's lock, so a killed run never blocks the next)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "suite-storage.lock").open("w") as lock:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another run held {CACHE}/suite-storage.lock for {timeout_s} s")
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def buildah(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Buildah]:
    reason = buildah_missing()
    if reason:
        pytest.skip(reason)
    with storage_lock(timeout_s=BUILD_TIMEOUT_S):
        yield Buildah(suite_storage(tmp_path_factory.mktemp("buildah")))


@pytest.fixture(scope="module")
def image(buildah: Buildah, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The image built from a clean copy, as a clone holds the repository (no .venv, no caches);
    the cache is pruned once the module's tests are done with it."""
    source = clean_copy(tmp_path_factory.mktemp("clean") / "hoso")
    started = time.monotonic()
    build = subprocess.run(
        ["scripts/image-build.sh", TAG], cwd=source, env=buildah.env, capture_output=True,
        text=True, timeout=BUILD_TIMEOUT_S,
    )  # fmt: skip
    assert build.returncode == 0, (build.stdout + build.stderr)[-6000:]
    print(f"image built in {time.monotonic() - started:.0f} s")  # shown with -rP / on failure
    yield TAG
    prune(buildah, build.stdout)


@pytest.fixture(scope="module")
def container(buildah: Buildah, image: str) -> Iterator[str]:
    name = buildah("from", "--pull=never", image).stdout.strip()
    yield name
    buildah("rm", name)


def image_config(buildah: Buildah, image: str) -> dict[str, Any]:
    """The image's Docker configuration (entrypoint, command, user, health check…)."""
    config: dict[str, Any] = json.loads(buildah("inspect", "--type", "image", image).stdout)
    return config["Docker"]["config"]  # type: ignore[no-any-return]


def project_version() -> str:
    with (REPO / "pyproject.toml").open("rb") as file:
        version: str = tomllib.load(file)["project"]["version"]
    return version


def test_image_runs_as_hoso_with_serve_on_all_addresses_by_default(
    buildah: Buildah, image: str
) -> None:
    config = image_config(buildah, image)
    assert config["User"] == "hoso"
    assert config["Entrypoint"] == ["hoso"]
    assert config["Cmd"][:3] == ["serve", "--host", "0.0.0.0"]
    assert "HOSO_DATA_DIR=/var/lib/hoso" in config["Env"]
    assert "/var/lib/hoso" in config["Volumes"]
    assert config.get("Healthcheck"), "the build lost HEALTHCHECK (needs --format docker)"


def test_cli_answers_with_the_project_version(buildah: Buildah, container: str) -> None:
    result = buildah.run(container, "hoso", "--version")
    assert result.returncode == ExitCode.OK, result.stderr
    assert result.stdout.strip() == f"hoso {project_version()}"
    user = buildah.run(container, "id", "-u")
    assert user.stdout.strip() != "0"


def test_digitize_in_the_image_writes_a_vietnamese_text_layer(
    buildah: Buildah, container: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    work.chmod(0o777)  # the image's user writes the PDF here
    shutil.copy(REPO / "samples" / "dossier-page1.jpg", work / "scan.jpg")
    result = buildah.run(
        container, "hoso", "digitize", "/work/scan.jpg", "-o", "/work/scan.pdf", "--quiet",
        volume=work,
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    with pdfplumber.open(work / "scan.pdf") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    # The national motto heads every official document: tone marks and all, from the models
    # baked into the image.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text


def session_processes(session: int) -> list[int]:
    """Processes still in a session (what `start_new_session` started, and its children)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[3]) == session:
            found.append(int(stat.parent.name))
    return found


def wait_for_health(url: str, server: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"hoso serve did not answer:\n{log.read_text(errors='replace')}")


def test_serve_in_the_image_answers_health_and_stops_cleanly(
    buildah: Buildah, image: str, container: str, tmp_path: Path
) -> None:
    port = free_port()
    command = image_config(buildah, image)["Cmd"]
    assert command[-2:] == ["--port", "8000"]
    log = tmp_path / "serve.log"
    # The image's own command on a free port (chroot isolation shares the host's network).
    server = subprocess.Popen(
        ["buildah", "run", "--isolation", "chroot", container, "--", "hoso",
         *command[:-1], str(port)],
        env=buildah.env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        response = wait_for_health(f"http://127.0.0.1:{port}/api/v1/health", server, log)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        # The image's HEALTHCHECK, run in the container against this port, passes.
        probe = image_config(buildah, image)["Healthcheck"]["Test"]
        assert probe[0] == "CMD" and ":8000/api/v1/health" in probe[-1]
        check = buildah.run(container, *probe[1:-1], probe[-1].replace(":8000/", f":{port}/"))
        assert check.returncode == 0, check.stderr
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        deadline = time.monotonic() + 20
        while session_processes(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_processes(server.pid) == [], "hoso serve left processes behind"
    finally:
        if server.poll() is None or session_processes(server.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
