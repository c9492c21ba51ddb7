"""`hoso config check` against real deployments: SQLite and PostgreSQL indexes, a folder and a
real S3 server, a real PKCS#12 key and the test PKI's TSA; each misconfiguration is made for
real (a database never migrated, a server that is down, a PIN variable unset) and must be
reported in words, never as a traceback.

A fresh folder means a `HOSO_DATA_DIR` nothing has opened yet: the check reports the archive
as not created (and creates nothing), `hoso config migrate` creates it, then every check passes.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hoso.api.cli import app
from hoso.checks import CheckResult, CheckStatus
from hoso.errors import ExitCode
from hoso.signatures.checks import check_signing
from hoso.storage.archive import ArchiveSettings
from hoso.storage.checks import check_index, check_store
from hoso.storage.index import RecordIndex
from hoso.storage.s3_store import PROBE_PREFIX, S3Settings, S3Store
from tests.cli import run_hoso
from tests.databases import fresh_database, postgres_available
from tests.pki import PFX_PASSWORD, TestPki
from tests.s3server import free_ports

PIN_VARIABLE = "HOSO_TEST_CHECK_PIN"


def bare_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without any HOSO_* variable, plus `settings`."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("HOSO_")}
    return {**kept, "HOSO_DATA_DIR": str(data_dir), **settings}


def hoso(*args: str, env: dict[str, str], expect: ExitCode = ExitCode.OK) -> Result:
    """`hoso ARGS…` in this process (a child process costs seconds on a busy machine; one test
    runs the real command in one, `test_unreachable_database_…`). Only `env`'s HOSO_* count."""
    unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("HOSO_")}
    result = CliRunner().invoke(app, list(args), env={**unset, **env})
    assert result.exit_code == expect, (result.exception, result.output)
    return result


def checks_of(stdout: str) -> dict[str, dict[str, str]]:
    """`--json` output by check name, after checking its shape."""
    report = json.loads(stdout)
    assert set(report) == {"ok", "checks"}
    for entry in report["checks"]:
        assert set(entry) == {"name", "status", "message", "fix"}
        assert entry["status"] in {"ok", "problem", "skipped"}
        assert (entry["status"] == "problem") == bool(entry["fix"]), entry
    assert report["ok"] == all(e["status"] != "problem" for e in report["checks"])
    return {entry["name"]: entry for entry in report["checks"]}


def test_a_fresh_folder_is_reported_then_passes_once_migrated(tmp_path: Path) -> None:
    env = bare_environment(tmp_path / "var")
    before = hoso("config", "check", "--json", env=env, expect=ExitCode.CONFIG_PROBLEMS)
    found = checks_of(before.stdout)
    assert found["database"]["status"] == "problem"
    assert "never created" in found["database"]["message"]
    assert "hoso config migrate" in found["database"]["fix"]
    assert found["object store"]["status"] == "problem"
    assert not (tmp_path / "var").exists(), "a check must not create the archive"

    table = hoso("config", "check", env=env, expect=ExitCode.CONFIG_PROBLEMS)
    assert table.stdout.count("problem") == 3 and "migrate" in table.stdout
    assert "3 problems" in table.stderr

    hoso("config", "migrate", env=env)
    after = checks_of(hoso("config", "check", "--json", env=env).stdout)
    assert {name: entry["status"] for name, entry in after.items()} == {
        "settings": "ok",
        "database": "ok",
        "object store": "ok",
        "job database": "ok",
        "procedures": "ok",
        "OCR models": "ok",
        "signing configuration": "skipped",
    }
    assert not list((tmp_path / "var" / "objects").iterdir()), "the probe file was left behind"


def test_unreachable_database_and_missing_model_are_plain_problems(tmp_path: Path) -> None:
    port = free_ports(1)[0]
    env = bare_environment(
        tmp_path / "var",
        HOSO_DATABASE_URL=f"postgresql+psycopg://hoso:s3cret-pw@127.0.0.1:{port}/hoso",
        HOSO_OCR_LANG="vie+fra",
    )
    result = run_hoso("config", "check", "--json", env=env, expect=ExitCode.CONFIG_PROBLEMS)
    found = checks_of(result.stdout)
    assert found["database"]["status"] == "problem"
    assert (
        f"cannot reach postgresql+psycopg://hoso:***@127.0.0.1:{port}/hoso"
        in (found["database"]["message"])
    )
    assert "HOSO_DATABASE_URL" in found["database"]["fix"]
    assert found["job database"]["status"] == "problem"  # the index's server by default
    assert found["OCR models"]["status"] == "problem"
    assert "fra" in found["OCR models"]["message"]
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_secrets_left_as_the_examples_placeholders_are_named_never_shown(tmp_path: Path) -> None:
    env = bare_environment(
        tmp_path / "var", HOSO_METRICS_TOKEN="change-me-metrics", PGPASSWORD="change-me-db"
    )
    result = hoso("config", "check", "--json", env=env, expect=ExitCode.CONFIG_PROBLEMS)
    found = checks_of(result.stdout)
    assert found["settings"]["status"] == "problem"
    assert "HOSO_METRICS_TOKEN, PGPASSWORD" in found["settings"]["message"]
    assert "change-me-metrics" not in result.stdout and "change-me-db" not in result.stdout
    assert "database" in found  # the other checks still run


def test_bad_setting_is_the_only_result() -> None:
    env = bare_environment(Path("var"), HOSO_PAGE_PROCESSES="many")
    found = checks_of(
        hoso("config", "check", "--json", env=env, expect=ExitCode.CONFIG_PROBLEMS).stdout
    )
    assert list(found) == ["settings"]
    assert "HOSO_PAGE_PROCESSES" in found["settings"]["message"]


def test_postgresql_migrated_passes_never_migrated_is_a_problem(tmp_path: Path) -> None:
    if not postgres_available():
        pytest.skip("no PostgreSQL at HOSO_TEST_PG (default 127.0.0.1:5432)")
    with fresh_database("postgresql", tmp_path) as url:
        never = check_index(url)
        assert never.status is CheckStatus.PROBLEM
        assert "found none" in never.message and "hoso config migrate" in never.fix
        index = RecordIndex(url)
        index.migrate()
        index.engine.dispose()
        assert check_index(url).status is CheckStatus.OK


def test_s3_versioned_bucket_passes_and_leaves_nothing(
    s3_settings: S3Settings, tmp_path: Path
) -> None:
    s3 = replace(s3_settings, bucket="config-check")
    assert "does not exist" in check_store(ArchiveSettings(tmp_path, "", s3)).message
    store = S3Store(s3)
    store.client.make_bucket(s3.bucket)  # as someone made it by hand: versioning off
    unversioned = check_store(ArchiveSettings(tmp_path, "", s3))
    assert unversioned.status is CheckStatus.PROBLEM
    assert "does not keep versions" in unversioned.message
    store.ensure_bucket()
    assert check_store(ArchiveSettings(tmp_path, "", s3)).status is CheckStatus.OK
    probes = store.client.list_objects(
        s3.bucket, prefix=PROBE_PREFIX, recursive=True, include_version=True
    )
    assert list(probes) == []


def test_s3_down_is_a_problem(tmp_path: Path) -> None:
    down = S3Settings(f"127.0.0.1:{free_ports(1)[0]}", "key", "secret", "hoso")
    started = time.monotonic()
    result = check_store(ArchiveSettings(tmp_path, "", down))
    assert result.status is CheckStatus.PROBLEM
    assert "unreachable" in result.message and "HOSO_S3_ENDPOINT" in result.fix
    assert time.monotonic() - started < 10


def write_config(folder: Path, pki: TestPki, tsa_url: str) -> Path:
    """A signing configuration with one PKCS#12 signer and a B-T profile that needs the TSA."""
    path = folder / "signing.toml"
    path.write_text(
        "\n".join(
            [
                "[trust]",
                f'roots = ["{pki.root_cert}"]',
                "[timestamp]",
                f'url = "{tsa_url}"',
                "[signers.agency]",
                f'pkcs12 = "{pki.pkcs12("agency")}"',
                f'pin_env = "{PIN_VARIABLE}"',
                "[profiles.copy]",
                'signer = "agency"',
                'level = "B-T"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def test_signing_config_passes_with_key_pin_and_tsa(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, PFX_PASSWORD)
    found = by_name(check_signing(write_config(tmp_path, pki, pki.tsa_url)))
    assert {name: r.status for name, r in found.items()} == {
        "signing configuration": CheckStatus.OK,
        "signing files": CheckStatus.OK,
        "signer agency": CheckStatus.OK,
        "time-stamping authority": CheckStatus.OK,
    }
    assert "valid until" in found["signer agency"].message


def test_missing_pin_variable_is_named(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PIN_VARIABLE, raising=False)
    signer = by_name(check_signing(write_config(tmp_path, pki, pki.tsa_url)))["signer agency"]
    assert signer.status is CheckStatus.PROBLEM
    assert PIN_VARIABLE in signer.message and f"set {PIN_VARIABLE}" in signer.fix


def test_unreachable_tsa_is_a_problem(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PIN_VARIABLE, PFX_PASSWORD)
    nowhere = f"http://127.0.0.1:{free_ports(1)[0]}/tsa"
    started = time.monotonic()
    found = by_name(check_signing(write_config(tmp_path, pki, nowhere), tsa_timeout_s=2))
    tsa = found["time-stamping authority"]
    assert tsa.status is CheckStatus.PROBLEM and nowhere in tsa.message
    assert found["signer agency"].status is CheckStatus.OK
    assert time.monotonic() - started < 10
