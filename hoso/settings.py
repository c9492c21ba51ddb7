"""Every `HOSO_*` setting of the archive and the job workers, read and checked in one place.

A deployment is configured by its environment (one machine needs none of it: each setting has a
default that works there). Reading happens here only, so a bad value is refused the same way
wherever it is read: `SettingsError` names the variable, the value it holds and what it should
hold, and the CLI prints that one line instead of a traceback from a failed `int()` deep inside
a worker. An empty variable counts as unset (container env files often carry blank lines).

The table in `docs/settings.md` is generated from `HosoSettings` (`settings_markdown`, or
`python -m hoso.settings`), and a test holds the file to it, so the docs cannot drift from the
code. The signing configuration (`HOSO_SIGNING_CONFIG`) is read by `hoso.signatures.profiles`;
`HOSO_SERVER` and `HOSO_TOKEN` are `hoso upload` options.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from hoso.errors import ExitCode, HosoError

T = TypeVar("T")
Parser = Callable[[str], T]  # raises ValueError carrying what was expected


class SettingsError(HosoError):
    """A `HOSO_*` variable holds a value hoso cannot use.

    Exit 2 (bad arguments), not 1: the environment is part of how the command was invoked, the
    fault is the caller's and deterministic, and running it again unchanged cannot help; stations
    already treat 2 as "fix the call, do not retry"."""

    code = "settings_invalid"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 500  # for the API the server is misconfigured, not the request wrong


class NoArchiveHereError(SettingsError):
    """A command found no archive where the default data folder (`var`, relative to where it
    runs) points: run from another folder, it would have started a second, empty archive, and
    an account made there could never log in to the service (a new user's finding)."""

    code = "archive_not_found"


@dataclass(frozen=True)
class _Spec:
    """How one field is read: its variable, its parser and its line in the docs table."""

    variable: str
    parse: Parser[Any]
    shown_default: str
    meaning: str


def _env(variable: str, parse: Parser[Any], shown_default: str, meaning: str) -> dict[str, _Spec]:
    """A field's metadata: which variable it is read from, how, and its row in the docs."""
    return {"spec": _Spec(variable, parse, shown_default, meaning)}


def _text(raw: str) -> str:
    return raw


def _path(raw: str) -> Path:
    return Path(raw)


def _whole_number(minimum: int) -> Parser[int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise ValueError(f"a whole number, {minimum} or more")
        return value

    return parse


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError("a number of seconds greater than 0")
    return value


def _fraction(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 1):
        raise ValueError("a fraction greater than 0 and at most 1, e.g. `0.01` for 1 %")
    return value


OFF = "off"


def _schedule(raw: str) -> str | None:
    """A cron expression (5 fields, or 6 with seconds first), or `off`: None."""
    from croniter import croniter  # type: ignore[import-untyped]

    if raw.strip().lower() == OFF:
        return None
    if len(raw.split()) not in (5, 6) or not croniter.is_valid(raw, second_at_beginning=True):
        raise ValueError("a cron expression such as `30 1 * * *` (01:30 every day), or `off`")
    return raw.strip()


RENEWAL_ACTIONS = ("renew", "report")


def _renewal_action(raw: str) -> str:
    answer = raw.strip().lower()
    if answer not in RENEWAL_ACTIONS:
        raise ValueError(" or ".join(RENEWAL_ACTIONS))
    return answer


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _proxies(raw: str) -> tuple[str, ...]:
    """Addresses or networks (`10.0.0.5`, `172.16.0.0/12`, `::1`), comma-separated; no `*`:
    trusting every sender would let any client name its own address."""
    import ipaddress

    items = tuple(item.strip() for item in raw.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                "IP addresses or networks separated by commas, e.g. `127.0.0.1` or "
                "`172.16.0.0/12` (not `*`)"
            ) from None
    return items


def _flag(raw: str) -> bool:
    answer = raw.strip().lower()
    if answer not in _TRUE + _FALSE:
        raise ValueError(f"one of {', '.join(_TRUE)} (on) or {', '.join(_FALSE)} (off)")
    return answer in _TRUE


@dataclass(frozen=True)
class HosoSettings:
    """The deployment's settings, one field per `HOSO_*` variable (the docs table's rows, in
    this order). Build it with `from_environment`; the defaults are those of one machine."""

    data_dir: Path = field(
        default=Path("var"),
        metadata=_env(
            "HOSO_DATA_DIR", _path, "`var`",
            "Folder of the archive: objects (`objects/`), the SQLite index (`hoso.sqlite`), "
            "the SQLite job database (`dbos.sqlite`), the upload spool, the first admin token.",
        ),
    )  # fmt: skip
    database_url: str | None = field(
        default=None,
        metadata=_env(
            "HOSO_DATABASE_URL", _text, "SQLite `hoso.sqlite` in the data folder",
            "The record index, e.g. `postgresql+psycopg://user@host/hoso`.",
        ),
    )  # fmt: skip
    s3_endpoint: str | None = field(
        default=None,
        metadata=_env(
            "HOSO_S3_ENDPOINT", _text, "unset: objects in the data folder",
            "S3 server (`host:port`) that keeps the objects instead of the data folder.",
        ),
    )  # fmt: skip
    s3_access_key: str = field(
        default="", metadata=_env("HOSO_S3_ACCESS_KEY", _text, "empty", "S3 access key.")
    )
    s3_secret_key: str = field(
        default="", metadata=_env("HOSO_S3_SECRET_KEY", _text, "empty", "S3 secret key.")
    )
    s3_bucket: str = field(
        default="hoso",
        metadata=_env(
            "HOSO_S3_BUCKET", _text, "`hoso`", "S3 bucket (created if missing, versioning on)."
        ),
    )
    s3_secure: bool = field(
        default=False,
        metadata=_env(
            "HOSO_S3_SECURE", _flag, "`0`",
            "HTTPS to the S3 server: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`.",
        ),
    )  # fmt: skip
    jobs_database_url: str | None = field(
        default=None,
        metadata=_env(
            "HOSO_JOBS_DATABASE_URL", _text,
            "the index database if PostgreSQL, else `dbos.sqlite` in the data folder",
            "The job engine's database (queues and workflow checkpoints).",
        ),
    )  # fmt: skip
    worker_id: str | None = field(
        default=None,
        metadata=_env(
            "HOSO_WORKER_ID", _text, "`<host>-<role>` (`<host>-worker`, `<host>-serve`)",
            "Stable, unique name of a worker process (`--id` of `hoso worker` wins): restarted "
            "with the same name, a worker resumes its documents.",
        ),
    )  # fmt: skip
    page_processes: int = field(
        default=0,
        metadata=_env(
            "HOSO_PAGE_PROCESSES", _whole_number(0), "`0`: one per CPU core",
            "A worker's page processes (CPU-bound OCR); from 2, it runs twice as many documents.",
        ),
    )  # fmt: skip
    heartbeat_seconds: float = field(
        default=5.0,
        metadata=_env(
            "HOSO_HEARTBEAT_SECONDS", _seconds, "`5`", "Seconds between a worker's heartbeats."
        ),
    )
    worker_dead_after: float = field(
        default=120.0,
        metadata=_env(
            "HOSO_WORKER_DEAD_AFTER", _seconds, "`120`",
            "Seconds without a heartbeat after which a worker counts as dead and a survivor "
            "takes over its documents.",
        ),
    )  # fmt: skip
    drain_seconds: int = field(
        default=120,
        metadata=_env(
            "HOSO_DRAIN_SECONDS", _whole_number(0), "`120`",
            "On SIGTERM, seconds a worker waits for its running documents (the rest resume on "
            "the next start).",
        ),
    )  # fmt: skip
    ocr_lang: str = field(
        default="vie",
        metadata=_env(
            "HOSO_OCR_LANG", _text, "`vie`", "Tesseract languages of the workers, e.g. `vie+eng`."
        ),
    )
    ocr_model: str = field(
        default="best_int",
        metadata=_env(
            "HOSO_OCR_MODEL", _text, "`best_int`",
            "OCR model quality of the workers: `best_int` or `fast`.",
        ),
    )  # fmt: skip
    upload_idle_seconds: float = field(
        default=30.0,
        metadata=_env(
            "HOSO_UPLOAD_IDLE_SECONDS", _seconds, "`30`",
            "Seconds a request body may send nothing before the server cuts it (408): a slow "
            "sender cannot hold a connection.",
        ),
    )  # fmt: skip
    uploads_per_token: int = field(
        default=4,
        metadata=_env(
            "HOSO_UPLOADS_PER_TOKEN", _whole_number(1), "`4`",
            "Uploads one API token may send at once (per server process); one more answers "
            "429 with `Retry-After`.",
        ),
    )  # fmt: skip
    session_idle_seconds: float = field(
        default=1800.0,
        metadata=_env(
            "HOSO_SESSION_IDLE_SECONDS", _seconds, "`1800` (30 minutes)",
            "Seconds a desk UI session may go without a request before the person must log in "
            "again.",
        ),
    )  # fmt: skip
    session_max_seconds: float = field(
        default=43200.0,
        metadata=_env(
            "HOSO_SESSION_MAX_SECONDS", _seconds, "`43200` (12 hours)",
            "Seconds a desk UI session lives at most, however busy (a working day).",
        ),
    )  # fmt: skip
    metrics_token: str | None = field(
        default=None,
        repr=False,  # a secret: never in a log line or a traceback
        metadata=_env(
            "HOSO_METRICS_TOKEN", _text, "unset: `/metrics` answers 404",
            "Secret a Prometheus scraper sends to `hoso serve`'s `/metrics` as "
            "`Authorization: Bearer …` (no API token opens it).",
        ),
    )  # fmt: skip
    trusted_proxies: tuple[str, ...] = field(
        default=(),
        metadata=_env(
            "HOSO_TRUSTED_PROXIES", _proxies, "unset: none",
            "Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` `hoso serve` "
            "believes (addresses or networks, comma-separated). Behind a TLS proxy on the same "
            "host: `127.0.0.1`. Unset, every request is taken from the address that connected, "
            "so no local process can write another address into the audit log or spread its "
            "failed logins over invented ones.",
        ),
    )  # fmt: skip
    procedures: Path | None = field(
        default=None,
        metadata=_env(
            "HOSO_PROCEDURES", _path, "unset: the packaged catalogue",
            "TOML file of the agency's procedures and the person fields each form takes "
            "(format of `storage/procedures.toml`): it adds to the packaged catalogue, a "
            "packaged key replaces that procedure, `include_packaged = false` replaces it all.",
        ),
    )  # fmt: skip
    fixity_schedule: str | None = field(
        default="30 1 * * *",
        metadata=_env(
            "HOSO_FIXITY_SCHEDULE", _schedule, "`30 1 * * *` (01:30 every night)",
            "When the workers check a sample of the stored objects (cron, Vietnam's time; 5 "
            "fields, or 6 with seconds first), or `off`. Each scheduled time runs once however "
            "many workers there are.",
        ),
    )  # fmt: skip
    fixity_fraction: float = field(
        default=0.01,
        metadata=_env(
            "HOSO_FIXITY_FRACTION", _fraction, "`0.01` (1 % a run)",
            "Share of the stored objects each scheduled fixity run checks at least, the "
            "least recently checked first.",
        ),
    )  # fmt: skip
    fixity_period_days: int = field(
        default=90,
        metadata=_env(
            "HOSO_FIXITY_PERIOD_DAYS", _whole_number(1), "`90`",
            "Days within which every stored object is checked at least once: a run also "
            "checks every object that would pass this age before the next run.",
        ),
    )  # fmt: skip
    renewal_schedule: str | None = field(
        default="0 3 * * 0",
        metadata=_env(
            "HOSO_RENEWAL_SCHEDULE", _schedule, "`0 3 * * 0` (Sundays 03:00)",
            "When the workers look for signed copies whose long-term validity (B-LTA) needs "
            "renewing (cron, Vietnam's time), or `off`. Needs `HOSO_SIGNING_CONFIG`.",
        ),
    )  # fmt: skip
    renewal_action: str = field(
        default="renew",
        metadata=_env(
            "HOSO_RENEWAL_ACTION", _renewal_action, "`renew`",
            "What the scheduled check does with a copy due for renewal: `renew` it (a new "
            "document timestamp from the configuration's TSA) or only `report` it (event "
            "`renewal_due`, metric) for `hoso archive renew`.",
        ),
    )  # fmt: skip

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> HosoSettings:
        """Read every setting from `env` (default: this process's environment); raises
        `SettingsError` on the first value that does not parse."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for item in fields(cls):
            spec: _Spec = item.metadata["spec"]
            raw = source.get(spec.variable, "")
            if raw:
                values[item.name] = _parsed(spec, raw)
        return cls(**values)

    @property
    def index_database_url(self) -> str:
        """The record index: `HOSO_DATABASE_URL`, else SQLite in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'hoso.sqlite'}"

    @property
    def jobs_url(self) -> str:
        """The job database: `HOSO_JOBS_DATABASE_URL`, else the index database when it is
        PostgreSQL (one server to run), else a SQLite file beside the index."""
        if self.jobs_database_url:
            return self.jobs_database_url
        if self.index_database_url.startswith("postgresql"):
            return self.index_database_url
        return f"sqlite:///{self.data_dir / 'dbos.sqlite'}"


def _parsed(spec: _Spec, raw: str) -> Any:
    try:
        return spec.parse(raw)
    except ValueError as error:
        raise SettingsError(
            f"environment variable {spec.variable} is {raw!r}; expected {error} "
            "(see docs/settings.md)"
        ) from None


def settings_markdown() -> str:
    """`docs/settings.md`: every setting with its default and meaning, from `HosoSettings`."""
    rows = []
    for item in fields(HosoSettings):
        spec: _Spec = item.metadata["spec"]
        rows.append(f"| `{spec.variable}` | {spec.shown_default} | {spec.meaning} |")
    intro = (
        "# Settings\n\n"
        "hoso reads these environment variables (`hoso.settings.HosoSettings`; generated by "
        "`python -m hoso.settings`, do not edit by hand). An empty variable counts as unset; "
        "a value that does not parse stops the command with exit code 2 (`settings_invalid`).\n"
        "The signing configuration is `HOSO_SIGNING_CONFIG` (see `signing.example.toml`).\n\n"
    )
    return intro + "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows]) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")
