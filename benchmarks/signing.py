"""Signing and verification numbers, and the attack table (issue 7 / issue 8).

    python -m benchmarks.signing [--rounds 20]

Runs the same local test PKI as the tests (certomancer on 127.0.0.1: TSA, OCSP, CRL) and a
SoftHSM2 token, in this one process (= one core): signatures per second by level and key store,
verification milliseconds per document by level (revocation fetched from the local OCSP/CRL
where the file carries none), and every attack of tests/signature_attacks.py with its verdict.
Results: benchmarks/results/signing.{json,md}.
"""

from __future__ import annotations

import json
import logging
import platform
import statistics
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.signatures.profiles import SigningConfig
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verifier
from tests.pki import running_pki
from tests.signature_attacks import ATTACKS, attacked
from tests.signing_setup import (
    digitized_copy,
    softhsm_module,
    softhsm_with_key,
    write_signing_config,
)

REPO = Path(__file__).resolve().parent.parent
app = typer.Typer(add_completion=False)

# (label, profile): what is measured. Profiles come from tests/signing_setup.py.
SIGNING_CASES = [
    ("B-B invisible, PKCS#12", "p12-B-B"),
    ("B-T invisible, PKCS#12", "p12-B-T"),
    ("B-T operator stamp, PKCS#12", "scan"),
    ("B-LT invisible, PKCS#12", "p12-B-LT"),
    ("B-LTA seal image, PKCS#12", "result"),
    ("B-B seal image, SoftHSM2", "hsm-B-B"),
    ("B-T seal image, SoftHSM2", "hsm-B-T"),
]


def _timed(rounds: int, action: Any) -> list[float]:
    action()  # warm-up: keys, fonts, the TSA client's first token
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


@app.command()
def main(
    rounds: Annotated[int, typer.Option(help="Signatures / verifications per case.")] = 20,
    out: Annotated[Path, typer.Option()] = REPO / "benchmarks" / "results" / "signing",
) -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {platform.python_version()}, 1 process",
        "pyhanko": version("pyhanko"),
        "rounds": rounds,
    }
    with tempfile.TemporaryDirectory(prefix="hoso-bench-sign-") as work:
        root = Path(work)
        with running_pki(root / "pki") as pki:
            hsm_context = softhsm_with_key(root / "hsm", pki) if softhsm_module() else None
            hsm = hsm_context.__enter__() if hsm_context else None
            try:
                (root / "cfg").mkdir()
                config = SigningConfig.load(write_signing_config(root / "cfg", pki, hsm))
                service = SigningService(config)
                verifier = Verifier(config)
                source = digitized_copy(root, seeds=(81, 82))
                results["document_bytes"] = source.stat().st_size
                signing: dict[str, Any] = {}
                signed_files: dict[str, Path] = {}
                for label, profile in SIGNING_CASES:
                    if profile not in config.profiles:
                        continue
                    target = root / f"{profile}.pdf"
                    times = _timed(rounds, lambda p=profile, t=target: service.sign(source, t, p))
                    signed_files[label] = target
                    median = statistics.median(times)
                    signing[label] = {
                        "median_ms": round(median * 1000, 1),
                        "per_second": round(1 / median, 1),
                        "added_kb": round((target.stat().st_size - source.stat().st_size) / 1024),
                    }
                results["signing"] = signing
                verifying: dict[str, Any] = {}
                for label, path in signed_files.items():
                    times = _timed(rounds, lambda p=path: verifier.verify_file(p))
                    verifying[label] = {
                        "median_ms": round(statistics.median(times) * 1000, 1),
                        "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))] * 1000, 1),
                        "verdict": verifier.verify_file(path).verdict.value,
                    }
                results["verification"] = verifying
                table: list[dict[str, Any]] = []
                for attack in ATTACKS:
                    folder = root / "attacks" / attack.profile / str(len(table))
                    folder.mkdir(parents=True)
                    report = verifier.verify_bytes(
                        attacked(attack, service, source, folder), name=attack.name
                    )
                    table.append(
                        {
                            "attack": attack.name,
                            "verdict": report.verdict.value,
                            "reasons": report.reasons,
                            "expected": attack.verdict.value,
                            "as_expected": report.verdict is attack.verdict
                            and bool(attack.reasons & set(report.reasons)),
                        }
                    )
                results["attacks"] = table
                service.keyring.close()
            finally:
                if hsm_context:
                    hsm_context.__exit__(None, None, None)

    out.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(_markdown(results), encoding="utf-8")
    print(_markdown(results))


def _markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Signing and verification (one process = one core)",
        "",
        f"{results['machine']}; pyHanko {results['pyhanko']}; RSA-2048 test keys; a 2-page "
        f"hoso PDF/A of {results['document_bytes'] // 1024} KB; TSA, OCSP and CRL served by "
        f"certomancer on 127.0.0.1 (single-threaded Werkzeug); median of {results['rounds']}.",
        "",
        "| signing | ms | signatures/s/core | bytes added |",
        "|---|---|---|---|",
    ]
    for label, row in results["signing"].items():
        lines.append(
            f"| {label} | {row['median_ms']} | {row['per_second']} | {row['added_kb']} KB |"
        )
    lines += ["", "| verification of | median ms | p95 ms | verdict |", "|---|---|---|---|"]
    for label, row in results["verification"].items():
        lines.append(f"| {label} | {row['median_ms']} | {row['p95_ms']} | {row['verdict']} |")
    lines += ["", "| attack | verdict | reasons | as expected |", "|---|---|---|---|"]
    for row in results["attacks"]:
        mark = "yes" if row["as_expected"] else "**NO**"
        lines.append(
            f"| {row['attack']} | {row['verdict']} | {', '.join(row['reasons'])} | {mark} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    app()
