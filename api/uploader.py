"""The scanning station's side: send a folder of scans into a batch, resume after a network
error or a restart without re-sending what the server has (asked by SHA-256), close the batch
and follow processing.

Retries (tenacity) cover refused connections, timeouts and 502/503/504 answers with exponential
backoff; any other answer is the server's decision and is reported as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

from hoso.errors import ExitCode, HosoError
from hoso.files import sha256_file

SCAN_SUFFIXES = {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}
RETRY_STATUSES = {502, 503, 504}


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
        self, server: str, token: str, patience_seconds: float = 300, timeout: float = 60
    ) -> None:
        self.http = httpx.Client(
            base_url=server.rstrip("/") + "/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout, connect=5),
        )
        self.patience = patience_seconds

    def close(self) -> None:
        self.http.close()

    def _call(
        self,
        method: str,
        url: str,
        send: tuple[Path, dict[str, str]] | None = None,
        **kwargs: Any,
    ) -> Any:
        @retry(
            retry=retry_if_exception(_transient),
            wait=wait_exponential(multiplier=0.5, max=15),
            stop=stop_after_delay(self.patience),
            reraise=True,
        )
        def attempt() -> httpx.Response:
            if send is None:
                response = self.http.request(method, url, **kwargs)
            else:  # the file is reopened on every attempt: a retry re-sends from the start
                path, form = send
                with path.open("rb") as stream:
                    response = self.http.request(
                        method, url, files={"file": (path.name, stream)}, data=form
                    )
            response.raise_for_status()
            return response

        try:
            return attempt().json()
        except httpx.HTTPStatusError as error:
            raise UploadError(_problem_text(error.response)) from None
        except httpx.TransportError as error:
            raise ServerUnavailableError(
                f"the server did not answer for {self.patience:.0f} s ({error}); run the same "
                "command again later: files already sent are not sent twice"
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
        report = UploadReport(batch_id)
        have = {f["sha256"] for f in self._call("GET", f"/batches/{batch_id}/files")}
        for position, path in enumerate(files):
            if sha256_file(path) in have:
                report.already_there.append(path.name)
                sent = False
            else:
                form = {"position": str(position)}
                self._call("POST", f"/batches/{batch_id}/files", send=(path, form))
                report.sent.append(path.name)
                sent = True
            if on_file:
                on_file(path, sent)
        return report

    def replace(self, document_id: int, path: Path) -> dict[str, Any]:
        """Send a rescan for a failed document; the server processes it again."""
        answer: dict[str, Any] = self._call(
            "POST", f"/documents/{document_id}/replace", send=(path, {})
        )
        return answer

    def close_batch(self, batch_id: int) -> None:
        self._call("POST", f"/batches/{batch_id}/close")

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


def _problem_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('detail', response.text)} ({body.get('code', response.status_code)})"
    except ValueError:
        return f"the server answered {response.status_code}: {response.text[:200]}"
