"""Issue 14, hygiene: upload limits before the body (413 from `Content-Length`, 408 for a stalled
body, at most K uploads at once per token), an owner-only data folder, an owner-only admin token
file, /metrics behind its own token and the worker's metrics on loopback.

The limits run against `hoso serve` itself (real uvicorn, raw sockets): a test client hands the
whole body over at once, so it can neither stall nor announce bytes it never sends."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.api.commands.service import _bootstrap_admin
from hoso.api.limits import UploadLimits, UploadRoute
from hoso.api.routes.signatures import MAX_VERIFY_BYTES
from hoso.errors import ExitCode
from hoso.files import sha256_file
from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import MAX_BULK_BYTES, MAX_UPLOAD_BYTES, UploadTooLargeError
from hoso.storage.objects import original_key
from hoso.workflows.queue import JobQueue
from tests.cli import run_hoso
from tests.databases import PG_ADMIN, fresh_database, postgres_available
from tests.deployment import Deployment, free_port, station_token

IDLE_SECONDS = 3  # HOSO_UPLOAD_IDLE_SECONDS of the server under test
METRICS_TOKEN = "scrape-" + "m" * 24


@dataclass
class Server:
    deployment: Deployment
    tokens: list[str]  # two stations of province 48
    batch_ids: list[int]  # an open batch of each

    @property
    def spool(self) -> Path:
        return self.deployment.folder / "var" / "spool"

    def files_path(self, station: int = 0) -> str:
        return f"/api/v1/batches/{self.batch_ids[station]}/files"


@dataclass
class RawAnswer:
    status: int  # 0: nothing came back in time
    headers: dict[str, str]
    body: bytes
    seconds: float  # until the server answered and closed (or the wait ran out)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("limits")
    settings = {
        "HOSO_UPLOAD_IDLE_SECONDS": str(IDLE_SECONDS),
        "HOSO_UPLOADS_PER_TOKEN": "1",
        "HOSO_METRICS_TOKEN": METRICS_TOKEN,
    }
    deployment = Deployment(folder, f"sqlite:///{folder / 'index.sqlite'}", extra_env=settings)
    try:
        deployment.serve(worker=False)
        tokens = [station_token(deployment) for _ in range(2)]
        batch_ids = [
            httpx.post(f"{deployment.server}/api/v1/batches", json={"name": "limits"},
                       headers=_bearer(token)).json()["id"]
            for token in tokens
        ]  # fmt: skip
        yield Server(deployment, tokens, batch_ids)
    finally:
        deployment.stop_all()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def _started_upload(
    server: Server,
    path: str,
    token: str,
    length: int,
    first: bytes = b"",
    credentials: str | None = None,
) -> Iterator[socket.socket]:
    """A multipart upload announcing `length` bytes, of which only `first` are sent; sent with
    `Authorization: Bearer {token}` unless `credentials` gives the header line to send."""
    connection = socket.create_connection(("127.0.0.1", server.deployment.port), timeout=60)
    sent_as = credentials if credentials is not None else f"Authorization: Bearer {token}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{sent_as}\r\n"
        f"Content-Type: multipart/form-data; boundary=limit\r\nContent-Length: {length}\r\n\r\n"
    )
    try:
        connection.sendall(head.encode() + first)
        yield connection
    finally:
        connection.close()


def _read_answer(connection: socket.socket, wait: float) -> RawAnswer:
    """Everything the server sends until it closes the connection or `wait` runs out."""
    start, data = time.monotonic(), b""
    connection.settimeout(wait)
    try:
        while chunk := connection.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    seconds = time.monotonic() - start
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        return RawAnswer(0, {}, b"", seconds)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
    return RawAnswer(int(status_line.split()[1]), headers, body, seconds)


def _upload(server: Server, station: int, body: bytes) -> httpx.Response:
    return httpx.post(
        server.deployment.server + server.files_path(station),
        files={"file": ("scan.pdf", body)},
        headers=_bearer(server.tokens[station]),
        timeout=30,
    )


def test_a_declared_length_over_the_cap_is_refused_before_the_body(server: Server) -> None:
    """Hole: the server waited for (and spooled) a body it was going to refuse."""
    routes = [(server.files_path(), MAX_UPLOAD_BYTES, "upload_too_large"),
              (server.files_path() + "/bulk", MAX_BULK_BYTES, "upload_too_large"),
              ("/api/v1/documents/1/replace", MAX_UPLOAD_BYTES, "upload_too_large"),
              ("/api/v1/verify", MAX_VERIFY_BYTES, "input_too_large")]  # fmt: skip
    for path, cap, code in routes:
        with _started_upload(server, path, server.tokens[0], cap + 2**20) as connection:
            answer = _read_answer(connection, wait=10)
        assert answer.status == 413, f"{path}: no 413 within 10 s without a body ({answer})"
        assert answer.headers["content-type"] == "application/problem+json"
        assert json.loads(answer.body)["code"] == code
        assert answer.seconds < 5  # answered and closed at once
    assert not [p for p in server.spool.glob("*") if p.is_file()]  # nothing spooled


@pytest.mark.parametrize(
    ("path", "credentials", "status"),
    [
        ("/api/v1/batches/1/files", "Authorization: Bearer hoso_made_up_by_a_stranger", 401),
        ("/api/v1/batches/1/files", "X-Nothing: at all", 401),
        # the desk UI's upload: off to the login form, as its pages answer without a session
        ("/station/batches/1/files", "Cookie: hoso_session=made-up", 303),
    ],
)
def test_an_upload_without_a_valid_token_or_session_is_refused_before_its_body(
    server: Server, path: str, credentials: str, status: int
) -> None:
    """Hole (a reviewing helper's): a stranger's upload was read whole, up to the 2 GiB cap,
    before the route refused it with 401; eight at once held 320 MiB of the server's disk."""
    with _started_upload(server, path, "", 100 * 2**20, credentials=credentials) as connection:
        answer = _read_answer(connection, wait=10)
    assert answer.status == status, f"no {status} within 10 s without a body ({answer})"
    if status == 401:
        assert json.loads(answer.body)["code"] == "not_authenticated"
    else:
        assert answer.headers["location"] == "/login"
    assert answer.seconds < 5


def test_any_other_body_is_capped_before_it_is_read(server: Server) -> None:
    """Hole: the login form had no cap at all (500 MB spooled for one anonymous POST)."""
    connection = socket.create_connection(("127.0.0.1", server.deployment.port), timeout=60)
    head = (
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {500 * 2**20}\r\n\r\n"
    )
    try:
        connection.sendall(head.encode())
        answer = _read_answer(connection, wait=10)
    finally:
        connection.close()
    assert answer.status == 413, answer
    assert json.loads(answer.body)["code"] == "request_too_large"
    assert answer.seconds < 5


def test_a_tokens_uploads_count_together_however_its_header_is_spelt(server: Server) -> None:
    """Hole: uploads were counted by the Authorization header's text, so "bearer", "BEARER"…
    each had their own slots: 64 × HOSO_UPLOADS_PER_TOKEN for one token."""
    token = server.tokens[0]
    with _started_upload(server, server.files_path(), token, 100_000, b"--limit\r\n"):
        deadline = time.monotonic() + 15
        while True:
            spelt = httpx.post(
                server.deployment.server + server.files_path(),
                files={"file": ("scan.pdf", b"%PDF-1.4 the same token, spelt otherwise")},
                headers={"Authorization": f"bEaReR {token}"},
                timeout=30,
            )
            if spelt.status_code == 429 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert spelt.status_code == 429, spelt.text


def test_a_stalled_body_is_cut_with_408(server: Server) -> None:
    """Hole: a sender of one byte now and then held a connection for ever (slowloris)."""
    with _started_upload(
        server, server.files_path(), server.tokens[0], 100_000, b"--limit\r\n"
    ) as c:
        answer = _read_answer(c, wait=IDLE_SECONDS + 10)
    assert answer.status == 408, f"no 408 within {IDLE_SECONDS + 10} s of silence ({answer})"
    assert answer.headers["content-type"] == "application/problem+json"
    assert json.loads(answer.body)["code"] == "request_timeout"
    assert answer.seconds < IDLE_SECONDS + 5  # cut and closed soon after the idle time


def test_one_token_sends_at_most_k_uploads_at_once(server: Server) -> None:
    """Hole: one station could open any number of uploads at once (HOSO_UPLOADS_PER_TOKEN=1)."""
    with _started_upload(server, server.files_path(), server.tokens[0], 100_000, b"--limit\r\n"):
        deadline = time.monotonic() + 15  # until the server holds the first upload's slot
        while (second := _upload(server, 0, b"%PDF-1.4 station 0 again")).status_code != 429:
            assert second.status_code == 201 and time.monotonic() < deadline, second.text
            time.sleep(0.2)
        other = _upload(server, 1, b"%PDF-1.4 another station is not held up")
    assert second.status_code == 429, second.text
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["code"] == "too_many_uploads"
    assert int(second.headers["retry-after"]) > 0
    assert other.status_code == 201, other.text
    deadline = time.monotonic() + 10  # the held upload is gone: its slot is free again
    while (again := _upload(server, 0, b"%PDF-1.4 once the first is gone")).status_code == 429:
        assert time.monotonic() < deadline, again.text
        time.sleep(0.2)
    assert again.status_code == 201, again.text


def test_a_body_growing_past_the_cap_without_a_length_is_cut_with_413(tmp_path: Path) -> None:
    """Hole: a chunked body (no Content-Length) was read to the end whatever its size. Shown on
    a route whose cap is 1000 bytes, in process: the real caps are gigabytes."""
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    index.migrate()
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    auth = _bearer(Tokens(index).create("station", Role.STATION, "48", "test")[1])
    small = UploadRoute("POST", re.compile(r"/api/v1/batches/\d+/files"), 1000, UploadTooLargeError)
    app = create_app(Services(archive, queue), upload_limits=UploadLimits(30, 4, (small,)))

    def chunks() -> Iterator[bytes]:
        yield b'--limit\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        yield from (b"%" * 10_000 for _ in range(20))  # 200 kB: past 1000 + multipart overhead
        yield b"\r\n--limit--\r\n"

    with TestClient(app) as client:
        batch = client.post("/api/v1/batches", json={"name": "chunked"}, headers=auth).json()
        answer = client.post(
            f"/api/v1/batches/{batch['id']}/files",
            content=chunks(),
            headers={**auth, "Content-Type": "multipart/form-data; boundary=limit"},
        )
        files = client.get(f"/api/v1/batches/{batch['id']}/files", headers=auth).json()
    queue.close()
    index.engine.dispose()
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "upload_too_large"
    assert files == []


def test_metrics_answer_the_metrics_token_only(server: Server) -> None:
    """Hole: /metrics answered anyone (HOSO_METRICS_TOKEN is set on this server)."""
    url = f"{server.deployment.server}/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=_bearer(server.tokens[0])).status_code == 401  # an API token
    assert httpx.get(url, headers=_bearer(METRICS_TOKEN + "x")).status_code == 401
    scraped = httpx.get(url, headers=_bearer(METRICS_TOKEN))
    assert scraped.status_code == 200 and "hoso_documents" in scraped.text


def _modes(folder: Path) -> dict[str, int]:
    """Permission bits of the folder and of everything below it."""
    return {
        str(path.relative_to(folder.parent)): stat.S_IMODE(path.stat().st_mode)
        for path in [folder, *folder.rglob("*")]
    }


@contextmanager
def _usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _open_archive(data: Path) -> Archive:
    return Archive.open(ArchiveSettings(data, f"sqlite:///{data / 'hoso.sqlite'}", None))


def test_the_data_folder_and_everything_in_it_are_owner_only(tmp_path: Path) -> None:
    """Hole: under umask 022 the embedded store was world-readable (SQLite 0644, objects 0755)."""
    data = tmp_path / "data"
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 a citizen's paper")
    with _usual_umask():
        archive = _open_archive(data)
        stored = archive.store.put_file(original_key(sha256_file(scan), scan.name), scan)
        archive.spool_dir()
        archive.index.engine.dispose()
    modes = _modes(data)
    assert modes["data"] == 0o700
    assert modes["data/hoso.sqlite"] == 0o600
    assert modes[f"data/objects/{stored.key}"] == 0o400  # owner-only and read-only
    assert {name: oct(mode) for name, mode in modes.items() if mode & 0o077} == {}

    # An archive made before (or by hand) is closed up when it is opened again.
    data.chmod(0o755)
    (data / "hoso.sqlite").chmod(0o644)
    with _usual_umask():
        _open_archive(data).index.engine.dispose()
    modes = _modes(data)
    assert (modes["data"], modes["data/hoso.sqlite"]) == (0o700, 0o600)


def test_the_job_database_is_owner_only_from_its_first_start(tmp_path: Path) -> None:
    """Hole: the job engine made `dbos.sqlite` (each job's batch ids and file names) 0644,
    tightened only by the next start's data folder sweep."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    with _usual_umask():
        JobQueue(f"sqlite:///{data / 'dbos.sqlite'}")
    modes = _modes(data)
    assert modes["data/dbos.sqlite"] == 0o600
    assert {name: oct(mode) for name, mode in modes.items() if mode & 0o077} == {}


def test_a_rewritten_admin_token_file_is_owner_only(tmp_path: Path) -> None:
    """Hole: a rewritten `admin.token` kept the old file's mode (here 0644)."""
    data = tmp_path / "data"
    with _usual_umask():
        archive = _open_archive(data)
        token_file = data / "admin.token"
        token_file.write_text("hoso_an_old_revoked_token\n")
        token_file.chmod(0o644)
        _bootstrap_admin(archive, data)
        archive.index.engine.dispose()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    written = token_file.read_text()
    assert written.startswith("hoso_") and "old_revoked" not in written


def _listening(port: int) -> set[tuple[str, str]]:
    """(table, local address in hex) of the sockets listening on `port` (Linux /proc)."""
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add((table, address))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc/net/tcp")
def test_worker_metrics_listen_on_loopback_by_default(tmp_path: Path) -> None:
    """Hole: `hoso worker --metrics-port` listened on every interface."""
    deployment = Deployment(tmp_path, f"sqlite:///{tmp_path / 'index.sqlite'}")
    port = free_port()
    try:
        deployment.start(["worker", "--metrics-port", str(port)], "metrics-worker")
        deadline = time.monotonic() + 90
        while not (listening := _listening(port)):
            assert time.monotonic() < deadline, deployment.logs()
            time.sleep(0.3)
    finally:
        deployment.stop_all()
    assert listening == {("tcp", "0100007F")}  # 127.0.0.1


def test_a_first_start_says_how_to_make_the_first_desk_admin(tmp_path: Path) -> None:
    """A new user's `make run` serves a login page nobody can pass: the start says what to run,
    and stops saying it once someone can log in."""
    deployment = Deployment(tmp_path, f"sqlite:///{tmp_path / 'index.sqlite'}")
    try:
        deployment.kill(deployment.serve(worker=False))
        assert "hoso user create NAME --role admin" in deployment.logs()
        run_hoso(
            "user", "create", "quantri", "--role", "admin", "--password-stdin",
            env=deployment.env("cli"), input="mot-mat-khau-dai\n",
        )  # fmt: skip
        (tmp_path / "e2e-serve.log").unlink()
        deployment.kill(deployment.serve(worker=False))
        assert "hoso: serving the desk UI" in deployment.logs()
        assert "hoso user create" not in deployment.logs()
    finally:
        deployment.stop_all()


@pytest.mark.skipif(not postgres_available(), reason="no PostgreSQL at HOSO_TEST_PG")
def test_an_upload_while_the_database_is_down_is_told_to_retry(tmp_path: Path) -> None:
    """The sender of an upload is checked before its body, outside the routes' error handlers:
    with the index's database gone it must still answer as a route would (503, retry), not
    fail the request."""
    with fresh_database("postgresql", tmp_path) as url:
        index = RecordIndex(url)
        index.migrate()
        archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
        queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
        auth = _bearer(Tokens(index).create("station", Role.STATION, "48", "test")[1])
        try:
            with TestClient(create_app(Services(archive, queue))) as client:
                batch = client.post("/api/v1/batches", json={"name": "down"}, headers=auth).json()
                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
                answer = client.post(
                    f"/api/v1/batches/{batch['id']}/files",
                    files={"file": ("scan.pdf", b"%PDF-1.4 sent while the database is down")},
                    headers=auth,
                )
        finally:
            queue.close()
            index.engine.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "storage_unavailable"


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_forwarded_addresses_count_only_from_a_trusted_proxy(tmp_path: Path, trusted: str) -> None:
    """Hole: uvicorn believed `X-Forwarded-For` from 127.0.0.1 by default, so any local process
    could write an invented address into the audit log and spread its failed logins over
    invented addresses, never reaching the limit. Now only `HOSO_TRUSTED_PROXIES` are believed:
    unset, 21 bad tokens naming 21 addresses are one address's failures and the 21st waits;
    from a trusted proxy each is its own client's first failure."""
    extra = {"HOSO_TRUSTED_PROXIES": trusted} if trusted else {}
    deployment = Deployment(tmp_path, f"sqlite:///{tmp_path / 'index.sqlite'}", extra_env=extra)
    try:
        deployment.serve(worker=False)
        statuses = [
            httpx.get(
                f"{deployment.server}/api/v1/batches",
                headers={**_bearer(f"guess-{n:02d}-" + "x" * 30),
                         "X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n in range(1, 22)
        ]  # fmt: skip
    finally:
        deployment.stop_all()
    assert statuses[:20] == [401] * 20
    assert statuses[20] == (401 if trusted else 429)


def test_a_wildcard_proxy_setting_is_refused(tmp_path: Path) -> None:
    """`*` would believe every sender's own claim of where it is."""
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var"), "HOSO_TRUSTED_PROXIES": "*"}
    result = run_hoso("serve", "--port", str(free_port()), env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert "HOSO_TRUSTED_PROXIES" in result.stderr and "*" in result.stderr
