"""The deployment files say what hoso does: `compose.yaml` is valid by the compose
specification's own JSON schema (as shipped by the `check-jsonschema` package: no schema typed
here, nothing fetched), runs the shape docs/operations.md describes (an API without a worker,
workers of the same image that drain before they are killed, a versioned bucket prepared before
anything starts), keeps its secrets in the env file, and names only settings hoso reads; and
every `hoso` command that docs/operations.md tells an operator to type exists, with its options.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import fields
from importlib.resources import files
from typing import Any

import jsonschema
import pytest
import typer
import yaml
from prometheus_client import REGISTRY
from typer.core import TyperGroup

from hoso.api.cli import app
from hoso.settings import HosoSettings
from hoso.signatures.profiles import CONFIG_ENV
from tests.cli import REPO

COMPOSE = REPO / "compose.yaml"
ENV_EXAMPLE = REPO / "deploy" / "hoso.env.example"
OPERATIONS = REPO / "docs" / "operations.md"
SETTING_NAMES = {item.metadata["spec"].variable for item in fields(HosoSettings)} | {CONFIG_ENV}
SECRET = re.compile(r"PASSWORD|SECRET_KEY|METRICS_TOKEN")  # names of variables holding secrets


def compose_schema() -> dict[str, Any]:
    vendored = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text(encoding="utf-8"))
    return schema


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = compose_schema()
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)
    ]


def test_the_schema_is_the_compose_specification() -> None:
    schema = compose_schema()
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_compose_file_is_valid_by_the_specification() -> None:
    assert schema_errors(compose()) == []


def test_the_schema_check_catches_a_broken_file() -> None:
    """Control: the validation above can fail (a typo in a key, a wrong condition)."""
    broken = compose()
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["worker"]["stop_grace_periods"] = "150s"
    errors = schema_errors(broken)
    assert any("service_finished" in error for error in errors)
    assert any("stop_grace_periods" in error for error in errors)


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_the_api_runs_no_worker_and_the_workers_share_its_image() -> None:
    services = compose()["services"]
    api, worker, migrate = services["api"], services["worker"], services["migrate"]
    assert _command(api)[0] == "serve" and "--no-worker" in _command(api)
    assert _command(worker)[0] == "worker"
    assert api["image"] == worker["image"] == migrate["image"] == "hoso:latest"
    assert worker["deploy"]["replicas"] >= 2
    # Replicas need distinct names: neither a fixed id, a container name nor a host port.
    assert "HOSO_WORKER_ID" not in (worker.get("environment") or {})
    assert "HOSO_WORKER_ID" not in env_example()
    assert "container_name" not in worker and "ports" not in worker


def test_workers_may_drain_before_they_are_killed() -> None:
    worker = compose()["services"]["worker"]
    grace = re.fullmatch(r"(\d+)s", worker["stop_grace_period"])
    assert grace is not None
    drain = float(env_example().get("HOSO_DRAIN_SECONDS") or HosoSettings().drain_seconds)
    assert int(grace.group(1)) > drain


def test_the_versioned_bucket_and_tables_are_made_before_anything_serves() -> None:
    services = compose()["services"]
    assert _command(services["migrate"]) == ["config", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    for name in ("migrate", "api", "worker"):
        for dependency in ("postgres", "minio"):
            assert services[name]["depends_on"][dependency] == {"condition": "service_healthy"}
    env = env_example()
    assert env["HOSO_S3_ENDPOINT"].split(":")[0] == "minio"  # `config migrate` versions it
    assert env["HOSO_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:" in env["HOSO_DATABASE_URL"]


def test_long_running_services_have_healthchecks_and_named_volumes() -> None:
    document = compose()
    for name in ("postgres", "minio", "api", "worker"):
        assert document["services"][name]["healthcheck"]["test"], name
    for name in ("postgres", "minio", "api"):
        for mount in document["services"][name]["volumes"]:
            assert mount.split(":")[0] in document["volumes"], mount  # a named volume


def test_secrets_stay_in_the_env_file() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    for service in compose()["services"].values():
        for variable in service.get("environment") or {}:
            assert not SECRET.search(variable), variable
        # the short form: podman-compose 1.0 (Debian 12) crashes on the `path:`/`required:` form
        assert service.get("env_file") in (None, "deploy/hoso.env")
    secrets = {name: value for name, value in env_example().items() if SECRET.search(name)}
    assert set(secrets) >= {"POSTGRES_PASSWORD", "PGPASSWORD", "HOSO_S3_SECRET_KEY"}
    for name, value in secrets.items():
        assert value.startswith("change-me"), name  # a placeholder, never a usable secret
        assert value not in text, name
    assert "/deploy/hoso.env" in (REPO / ".gitignore").read_text().splitlines()


def test_hoso_is_never_pulled_and_the_api_port_stays_on_the_host() -> None:
    """The image is built here and loaded (no public registry has it), and the API is plain
    HTTP: published on the loopback only, for a TLS proxy on the host."""
    services = compose()["services"]
    for name in ("migrate", "api", "worker"):
        assert services[name]["image"] == "hoso:latest" and services[name]["pull_policy"] == "never"
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert all("ports" not in services[name] for name in ("postgres", "minio", "worker"))


def test_every_hoso_variable_is_a_setting() -> None:
    named = set()
    for path in (COMPOSE, ENV_EXAMPLE, OPERATIONS):
        named |= set(re.findall(r"\bHOSO_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    assert named - SETTING_NAMES == set()
    assert {"HOSO_DATABASE_URL", "HOSO_S3_ENDPOINT", "HOSO_METRICS_TOKEN"} <= named


def test_the_env_example_agrees_with_itself() -> None:
    """The containers of PostgreSQL and MinIO and hoso read one file; the pairs that must be
    equal are equal there, so a copy edited in one place only is the mistake to avoid."""
    env = env_example()
    assert env["PGPASSWORD"] == env["POSTGRES_PASSWORD"]
    assert env["HOSO_S3_ACCESS_KEY"] == env["MINIO_ROOT_USER"]
    assert env["HOSO_S3_SECRET_KEY"] == env["MINIO_ROOT_PASSWORD"]
    assert f"//{env['POSTGRES_USER']}@" in env["HOSO_DATABASE_URL"]
    assert env["HOSO_DATABASE_URL"].endswith(f"/{env['POSTGRES_DB']}")


# --- docs/operations.md -------------------------------------------------------------------

INVOCATION = re.compile(
    r"^(?:docker compose exec(?: -T)? [\w-]+ hoso|docker compose run --rm [\w-]+"
    r"|docker run .* hoso:latest|hoso) "
    r"(?P<args>.+)$"
)


def documented_invocations() -> list[list[str]]:
    """Every `hoso …` line of the doc's ```sh blocks, as words (continuations joined)."""
    text = OPERATIONS.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            match = INVOCATION.match(line.strip())
            if match:
                words = shlex.split(match.group("args"), comments=True)
                found.append(words)
    return found


def command_problem(words: list[str]) -> str | None:
    """What is wrong with `hoso WORDS` (no such command, an option it does not take), or None.
    The command is found through the real CLI's groups, as `--help` would show it."""
    command = typer.main.get_command(app)
    rest = list(words)
    while isinstance(command, TyperGroup) and rest and rest[0] in command.commands:
        command = command.commands[rest.pop(0)]
    if isinstance(command, TyperGroup):
        return f"hoso {' '.join(words)}: no such command"
    known = {option for param in command.params for option in (*param.opts, *param.secondary_opts)}
    unknown = [word for word in rest if word.startswith("--") and word.split("=")[0] not in known]
    return f"hoso {' '.join(words)}: no option {unknown[0]}" if unknown else None


def test_every_documented_command_exists_with_its_options() -> None:
    invocations = documented_invocations()
    assert len(invocations) >= 10, invocations
    assert [command_problem(words) for words in invocations] == [None] * len(invocations)


@pytest.mark.parametrize(
    "words", [["fixty"], ["config", "mgrate"], ["fixity", "--samples", "3"], ["archive"]]
)
def test_the_doc_check_catches_a_wrong_command(words: list[str]) -> None:
    """Control: a misspelt command or option, or a group without its command, is caught."""
    assert command_problem(words) is not None


def test_documented_metrics_exist() -> None:
    """The metric names the doc tells an operator to alert on are the ones hoso exports."""
    import hoso.workflows.metrics  # noqa: F401  (registers the job metrics)

    exported = {metric.name for metric in REGISTRY.collect()}
    exported |= {f"{name}_total" for name in exported}  # counters are scraped with _total
    documented = set(re.findall(r"`(hoso_[a-z_]+)", OPERATIONS.read_text(encoding="utf-8")))
    assert {"hoso_queue_depth", "hoso_documents"} <= documented
    assert documented - exported == set()


def test_operations_doc_cites_benchmarks_that_exist() -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    cited = set(re.findall(r"benchmarks/results/[\w.]+", text))
    assert cited, "sizing must come from measured numbers"
    for path in cited:
        assert (REPO / path).is_file(), path
