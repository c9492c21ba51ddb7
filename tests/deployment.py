"""A hoso deployment in processes, for the end-to-end tests and the service benchmark:
`hoso serve` / `hoso worker` started with their own data folder and database, killed with
SIGKILL as a crashed machine would be."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from hoso.api.auth import Role, Tokens
from hoso.storage.index import RecordIndex
from tests.cli import HOSO_COMMAND


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving_app(app: ASGIApp) -> Iterator[str]:
    """An app under test on a real port in a thread, for the `hoso` commands that talk HTTP.
    Fails, never waits for ever, when the server cannot start (its port taken meanwhile)."""
    server = uvicorn.Server(uvicorn.Config(app, port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    try:
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Deployment:
    folder: Path
    database_url: str
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ocr_model: str = "fast"  # tests: the quicker model; the benchmark uses the default
    signing_config: Path | None = None  # workers sign each digitized copy when set
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. an S3 store

    @property
    def server(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, worker_id: str, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "HOSO_DATA_DIR": str(self.folder / "var"),
            "HOSO_DATABASE_URL": self.database_url,
            "HOSO_WORKER_ID": worker_id,
            "HOSO_PAGE_PROCESSES": "2",
            "HOSO_OCR_MODEL": self.ocr_model,
            "HOSO_HEARTBEAT_SECONDS": "1",
            **({"HOSO_SIGNING_CONFIG": str(self.signing_config)} if self.signing_config else {}),
            **self.extra_env,
            **extra,
        }

    def start(self, args: list[str], worker_id: str, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{worker_id}.log").open("ab")
        process = subprocess.Popen(
            [*HOSO_COMMAND, *args], env=self.env(worker_id, **extra), stdout=log, stderr=log,
            start_new_session=True,  # its own process group: SIGKILL takes its page pool too
        )  # fmt: skip
        self.processes.append(process)
        return process

    def serve(self, worker: bool = True, worker_id: str = "e2e-serve") -> subprocess.Popen[bytes]:
        args = ["serve", "--port", str(self.port)] + ([] if worker else ["--no-worker"])
        process = self.start(args, worker_id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.server}/api/v1/health", timeout=1).is_success:
                    return process
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(self.logs())

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    def logs(self) -> str:
        """The end of each process's log, each distinct line once (an outage repeats the same
        warning hundreds of times and would push everything useful out of a failure message)."""
        tails = []
        for path in sorted(self.folder.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()
            distinct = list(dict.fromkeys(line.split("] ", 1)[-1] for line in lines))
            tails.append(f"--- {path.name}\n" + "\n".join(distinct)[-4000:])
        return "\n".join(tails)


def station_token(deployment: Deployment, name: str | None = None) -> str:
    """A new station of province 48; each gets its own name (a station's name is unique)."""
    index = RecordIndex(deployment.database_url)
    name = name or f"desk-1-scanner-{secrets.token_hex(3)}"
    token = Tokens(index).create(name, Role.STATION, "48", "test")[1]
    index.engine.dispose()
    return token
