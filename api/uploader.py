"""The scanning station's side: send a folder of scans into a batch, resume after a network
error or a restart without re-sending what the server has (asked by SHA-256), close the batch
and follow processing.

Retries (tenacity) cover refused connections, timeouts and 502/503/504 answers with exponential
backoff; any other answer is the server's decision and is reported as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

from hoso.errors import ExitCode, HosoError
from hoso.files import sha256_file

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}
RETRY_STATUSES = {502, 503, 504}
GROUP_FILES = 32  # small files per request (the server takes up to `MAX_BULK_FILES`)
GROUP_BYTES = 16 * 1024**2  # bytes per request, so a retry re-sends little
ALONE_BYTES = 2 * 1024**2  # a bigger file goes alone: its bytes, not the request, cost the time
IN_FLIGHT = 2  # requests at once: under the server's uploads per token (4 by default)


class UploadError(HosoError):
    code = "upload_failed"


class ServerUnavailableError(UploadError):
    code = "server_unavailable"
    exit_code = ExitCode.STORAGE_UNAVAILABLE  # the documented code for "the server is gone"


@dataclass
class UploadReport:
    batch_id: int
    sent: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = False
    # files whose bytes the province's archive already held: not processed again
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [d for d in self.documents if d["status"] == "failed"]


def scan_files(inputs: list[Path]) -> list[Path]:
    """Files to send, in the order they were scanned (sorted names within a folder)."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files += sorted(
                p for p in item.rglob("*")
                if p.is_file() and p.suffix.lower() in SCAN_SUFFIXES and not p.name.startswith(".")
            )  # fmt: skip
        else:
            files.append(item)
    return files


def _transient(error: BaseException) -> bool:
    if isinstance(error, httpx.TransportError):
        return True
    return isinstance(error, httpx.HTTPStatusError) and (
        error.response.status_code in RETRY_STATUSES
    )


class StationClient:
    def __init__(
        self,
        server: str,
        token: str,
        patience_seconds: float = 300,
        timeout: float = 60,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        """`on_wait` hears, once, that the server does not answer and is being waited for: a
        station waiting out `patience_seconds` in silence looked hung (a new user's finding)."""
        self.http = httpx.Client(
            base_url=server.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=5),
        )
        self.server = server
        self.patience = patience_seconds
        self.on_wait = on_wait
        self._said_waiting = False

    def _waiting(self, state: RetryCallState) -> None:
        if self.on_wait is None or self._said_waiting:
            return
        self._said_waiting = True
        error = state.outcome.exception() if state.outcome is not None else None
        self.on_wait(
            f"the server at {self.server} does not answer ({error}); trying again for up to "
            f"{self.patience:.0f} s (--patience)"
        )

    def close(self) -> None:
        self.http.close()

    def _call(
        self,
        method: str,
        url: str,
        send: tuple[list[Path], dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Any:
        @retry(
            retry=retry_if_exception(_transient),
            wait=wait_exponential(multiplier=0.5, max=15),
            stop=stop_after_delay(self.patience),
            before_sleep=self._waiting,
            reraise=True,
        )
        def attempt() -> httpx.Response:
            if send is None:
                response = self.http.request(method, url, **kwargs)
            else:  # the files are reopened on every attempt: a retry re-sends from the start
                paths, form = send
                with ExitStack() as streams:
                    parts = [("file", (p.name, streams.enter_context(p.open("rb")))) for p in paths]
                    response = self.http.request(method, url, files=parts, data=form)
            response.raise_for_status()
            return response

        try:
            return attempt().json()
        except httpx.HTTPStatusError as error:
            raise UploadError(_problem_text(error.response)) from None
        except httpx.TransportError as error:
            raise ServerUnavailableError(
                f"the server at {self.server} did not answer for {self.patience:.0f} s "
                f"({error}); is it running, and is --server (or HOSO_SERVER) its address? Run "
                "the same command again later: nothing already received is sent or done twice"
            ) from None

    def open_batch(self, name: str) -> tuple[int, bool]:
        """The newest batch of this name and whether it still takes files, or a new batch: the
        command is idempotent per batch name, so a re-run after any failure is safe."""
        for batch in self._call("GET", "/batches", params={"name": name, "limit": 1}):
            return int(batch["id"]), batch["status"] == "open"
        return int(self._call("POST", "/batches", json={"name": name})["id"]), True

    def check_complete(self, batch_id: int, name: str, files: list[Path]) -> UploadReport:
        """A closed batch of this name: it must already hold every file given."""
        have = {f["sha256"] for f in self._call("GET", f"/batches/{batch_id}/files")}
        missing = [path.name for path in files if sha256_file(path) not in have]
        if missing:
            raise UploadError(
                f"batch {name!r} is already closed and lacks {len(missing)} of these files "
                f"({', '.join(missing[:3])}…); send them with a new batch name"
            )
        return UploadReport(batch_id, already_there=[path.name for path in files])

    def upload(
        self,
        batch_id: int,
        files: list[Path],
        on_file: Callable[[Path, bool], None] | None = None,
    ) -> UploadReport:
        """Send what the server lacks, small files `GROUP_FILES` to a request (one request and
        one transaction on the server per group), `IN_FLIGHT` requests at once so the server
        stores one group while the next arrives. Files are hashed here only to resume a batch
        the server already holds files of."""
        report = UploadReport(batch_id)
        have = {f["sha256"] for f in self._call("GET", f"/batches/{batch_id}/files")}
        sending = [
            (position, path)
            for position, path in enumerate(files)
            if not (have and sha256_file(path) in have)
        ]
        sent = {path for _, path in sending}
        pool = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="hoso-upload")
        try:
            groups = [pool.submit(self._send_group, batch_id, g) for g in _groups(sending)]
            for done in as_completed(groups):
                for path in done.result():
                    if on_file:
                        on_file(path, True)
        finally:  # after a failure, the groups not yet started are not sent
            pool.shutdown(wait=True, cancel_futures=True)
        for path in files:
            (report.sent if path in sent else report.already_there).append(path.name)
            if on_file and path not in sent:
                on_file(path, False)
        return report

    def _send_group(self, batch_id: int, group: list[tuple[int, Path]]) -> list[Path]:
        paths = [path for _, path in group]
        if len(group) == 1:
            form: dict[str, Any] = {"position": str(group[0][0])}
            self._call("POST", f"/batches/{batch_id}/files", send=(paths, form))
        else:
            form = {"position": [str(position) for position, _ in group]}
            self._call("POST", f"/batches/{batch_id}/files/bulk", send=(paths, form))
        return paths

    def replace(self, document_id: int, path: Path) -> dict[str, Any]:
        """Send a rescan for a failed document; the server processes it again."""
        answer: dict[str, Any] = self._call(
            "POST", f"/documents/{document_id}/replace", send=([path], {})
        )
        return answer

    def close_batch(self, batch_id: int) -> None:
        self._call("POST", f"/batches/{batch_id}/close")

    def duplicates(self, report: UploadReport) -> UploadReport:
        """The batch's files whose bytes the archive already held (marked when it closed)."""
        files = self._call("GET", f"/batches/{report.batch_id}/files")
        report.duplicates = [
            {"name": f["name"], "duplicate_of_file": f["duplicate_of"]}
            for f in files
            if f.get("duplicate_of") is not None
        ]
        return report

    def follow(
        self,
        report: UploadReport,
        timeout: float,
        on_status: Callable[[dict[str, Any]], None] | None = None,
        poll_seconds: float = 1.0,
    ) -> UploadReport:
        deadline = time.monotonic() + timeout
        while True:
            batch = self._call("GET", f"/batches/{report.batch_id}")
            report.documents = batch["documents"]
            if on_status:
                on_status(batch)
            if batch["done"]:
                report.finished = True
                return report
            if time.monotonic() > deadline:
                return report
            time.sleep(poll_seconds)


def _groups(sending: list[tuple[int, Path]]) -> Iterator[list[tuple[int, Path]]]:
    """Files in request-sized groups, in order: small files together, at most `GROUP_FILES`
    files and `GROUP_BYTES`, so a failed request re-sends little; a file over `ALONE_BYTES`
    alone."""
    group: list[tuple[int, Path]] = []
    size = 0
    for position, path in sending:
        length = path.stat().st_size
        if length > ALONE_BYTES:
            yield [(position, path)]
            continue
        if group and (len(group) == GROUP_FILES or size + length > GROUP_BYTES):
            yield group
            group, size = [], 0
        group.append((position, path))
        size += length
    if group:
        yield group


def _problem_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('detail', response.text)} ({body.get('code', response.status_code)})"
    except ValueError:
        return f"the server answered {response.status_code}: {response.text[:200]}"
