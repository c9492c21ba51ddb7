"""Settings are read and checked in one place (`hoso.settings`): today's defaults, the wrappers
that storage and workflows keep, the worker id from `--id`, and a bad value refused with one line
that names the variable and the value, from the library and from the command alike."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import typer

from hoso.api.commands.common import reporting
from hoso.errors import ExitCode
from hoso.settings import HosoSettings, SettingsError, settings_markdown
from hoso.storage.archive import ArchiveSettings
from hoso.storage.index import DEFAULT_CONNECTIONS
from hoso.storage.s3_store import S3Settings
from hoso.workflows.settings import REQUEST_THREADS, JobSettings
from tests.cli import REPO, run_hoso


def test_defaults_serve_one_machine() -> None:
    settings = JobSettings.from_environment_of({}, "worker")
    archive = settings.archive
    assert (archive.data_dir, archive.database_url, archive.s3) == (
        Path("var"), "sqlite:///var/hoso.sqlite", None
    )  # fmt: skip
    assert archive.connections >= DEFAULT_CONNECTIONS  # never fewer than SQLAlchemy's own
    assert settings.jobs_database_url == "sqlite:///var/dbos.sqlite"
    assert settings.executor_id == f"{socket.gethostname()}-worker"
    assert settings.page_processes == (os.cpu_count() or 1)
    assert settings.options.jobs == settings.page_processes
    assert (settings.options.lang, settings.options.model) == ("vie", "best_int")
    assert (settings.heartbeat_seconds, settings.dead_after_seconds) == (5.0, 120.0)
    assert settings.drain_seconds == 120


def test_empty_variables_count_as_unset() -> None:
    names = ["HOSO_DATA_DIR", "HOSO_PAGE_PROCESSES", "HOSO_S3_SECURE", "HOSO_WORKER_ID"]
    assert HosoSettings.from_environment(dict.fromkeys(names, "")) == HosoSettings()


def test_values_are_read_and_shaped() -> None:
    env = {
        "HOSO_DATA_DIR": "/srv/hoso",
        "HOSO_DATABASE_URL": "postgresql+psycopg://hoso@db/hoso",
        "HOSO_S3_ENDPOINT": "s3.local:9000",
        "HOSO_S3_ACCESS_KEY": "key",
        "HOSO_S3_SECRET_KEY": "secret",
        "HOSO_S3_SECURE": "Yes",
        "HOSO_PAGE_PROCESSES": "3",
        "HOSO_WORKER_DEAD_AFTER": "4.5",
        "HOSO_DRAIN_SECONDS": "0",
        "HOSO_OCR_MODEL": "fast",
        "HOSO_OCR_LANG": "vie+eng",
    }
    settings = JobSettings.from_environment_of(env, "serve")
    archive = settings.archive
    assert (archive.data_dir, archive.database_url, archive.s3) == (
        Path("/srv/hoso"),
        "postgresql+psycopg://hoso@db/hoso",
        S3Settings("s3.local:9000", "key", "secret", "hoso", secure=True),
    )
    # 3 page processes: 6 documents and 4 plans at once, and the server's request threads
    assert archive.connections >= 6 + 4 + REQUEST_THREADS
    assert settings.jobs_database_url == "postgresql+psycopg://hoso@db/hoso"  # one server
    assert settings.page_processes == 3 and settings.options.jobs == 3
    assert settings.dead_after_seconds == 4.5 and settings.drain_seconds == 0
    assert (settings.options.lang, settings.options.model) == ("vie+eng", "fast")
    own_jobs = {**env, "HOSO_JOBS_DATABASE_URL": "sqlite:////srv/jobs.sqlite"}
    assert (
        JobSettings.from_environment_of(own_jobs).jobs_database_url
        == own_jobs["HOSO_JOBS_DATABASE_URL"]
    )


def test_worker_id_argument_wins_over_the_environment() -> None:
    env = {"HOSO_WORKER_ID": "from-env"}
    assert JobSettings.from_environment_of(env).executor_id == "from-env"
    assert JobSettings.from_environment_of(env, worker_id="from-id").executor_id == "from-id"
    assert JobSettings.from_environment_of({}, "serve").executor_id.endswith("-serve")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("HOSO_PAGE_PROCESSES", "abc", "a whole number, 0 or more"),
        ("HOSO_PAGE_PROCESSES", "-2", "a whole number, 0 or more"),
        ("HOSO_DRAIN_SECONDS", "1.5", "a whole number, 0 or more"),
        ("HOSO_WORKER_DEAD_AFTER", "-1", "a number of seconds greater than 0"),
        ("HOSO_HEARTBEAT_SECONDS", "nan", "a number of seconds greater than 0"),
        ("HOSO_S3_SECURE", "maybe", "one of 1, true, yes, on"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_value(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        HosoSettings.from_environment({variable: value})
    assert f"environment variable {variable} is {value!r}; expected {expected}" in str(raised.value)
    assert raised.value.code == "settings_invalid"
    assert raised.value.exit_code == ExitCode.BAD_ARGUMENTS
    with pytest.raises(SettingsError):  # the wrappers read through the same place
        ArchiveSettings.from_environment_of({variable: value})


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without its `HOSO_*` variables, plus `settings`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    return {**clean, **settings}


def test_the_command_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = environment(HOSO_DATA_DIR=str(tmp_path), HOSO_S3_SECURE="maybe")
    result = run_hoso("fixity", "--json", env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("hoso: error: environment variable HOSO_S3_SECURE is 'maybe'")
    assert line.endswith("(settings_invalid)")
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "settings_invalid" and "HOSO_S3_SECURE" in error["message"]
    assert not any(tmp_path.iterdir())  # refused before anything was opened or created


def test_a_worker_with_a_bad_setting_does_not_start(tmp_path: Path) -> None:
    env = environment(HOSO_DATA_DIR=str(tmp_path), HOSO_WORKER_DEAD_AFTER="-1")
    result = run_hoso("worker", "--id", "bad-settings", env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert "Traceback" not in result.stderr
    assert "environment variable HOSO_WORKER_DEAD_AFTER is '-1'" in result.stderr


def test_the_handler_reports_errors_and_interrupts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as left, reporting(as_json=True):
        HosoSettings.from_environment({"HOSO_PAGE_PROCESSES": "abc"})
    assert left.value.exit_code == ExitCode.BAD_ARGUMENTS
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "settings_invalid"
    with pytest.raises(typer.Exit) as left, reporting(on_interrupt="stopped; run it again"):
        raise KeyboardInterrupt
    assert left.value.exit_code == ExitCode.INTERRUPTED
    assert "stopped; run it again" in capsys.readouterr().err


def test_the_settings_table_is_generated() -> None:
    """docs/settings.md is `python -m hoso.settings > docs/settings.md`; regenerate, never edit."""
    table = settings_markdown()
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == table
    for variable in ("HOSO_DATA_DIR", "HOSO_WORKER_ID", "HOSO_PAGE_PROCESSES", "HOSO_S3_SECURE"):
        assert f"| `{variable}` |" in table
