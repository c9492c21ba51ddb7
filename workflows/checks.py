"""`hoso config check`: every check of a deployment, in one order, on the settings it reads.

Each part checks what it owns (`storage.checks`, `signatures.checks`); this module adds the one
check no part owns alone, the workers' OCR models (digitize's, chosen by the job settings), and
puts them in the order a person fixes them: settings, database, objects, jobs, procedures,
models, signing. A check answers with results and never raises, so one broken part does not
hide the state of the others.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from hoso.checks import CheckResult
from hoso.digitize.errors import OcrError
from hoso.digitize.ocr.engine import check_languages
from hoso.settings import HosoSettings, SettingsError
from hoso.signatures.checks import check_signing
from hoso.storage.archive import ArchiveSettings
from hoso.storage.checks import check_index, check_jobs_database, check_procedures, check_store


def check_environment(signing_config: Path | None = None) -> list[CheckResult]:
    """The deployment this process's environment describes. A setting that does not parse is
    the only result: nothing else can be checked on values hoso would refuse to start with."""
    try:
        settings = HosoSettings.from_environment()
    except SettingsError as exc:
        return [
            CheckResult.problem("settings", str(exc), "correct the variable (docs/settings.md)")
        ]
    return [check_placeholders(os.environ), *check_deployment(settings, signing_config)]


PLACEHOLDER = "change-me"  # how deploy/hoso.env.example marks every secret to replace


def check_placeholders(environ: Mapping[str, str]) -> CheckResult:
    """A secret still holding the env example's placeholder is a secret anyone who has read
    the repository knows. Names only: a value is never printed."""
    left = sorted(name for name, value in environ.items() if value.startswith(PLACEHOLDER))
    if left:
        return CheckResult.problem(
            "settings",
            f"still the example's placeholder ({PLACEHOLDER}…): {', '.join(left)}",
            "give each a secret of its own in deploy/hoso.env (or the environment)",
        )
    return CheckResult.ok("settings", "every HOSO_* variable holds a usable value")


def check_deployment(
    settings: HosoSettings, signing_config: Path | None = None
) -> list[CheckResult]:
    """Every check of the deployment `settings` describe (signing: `signing_config`, else
    `HOSO_SIGNING_CONFIG`)."""
    return [
        check_index(settings.index_database_url),
        check_store(ArchiveSettings.from_settings(settings)),
        check_jobs_database(settings.jobs_url),
        check_procedures(settings.procedures),
        check_models(settings.ocr_lang, settings.ocr_model),
        *check_signing(signing_config),
    ]


def check_models(lang: str, model: str) -> CheckResult:
    """The workers' OCR models (`HOSO_OCR_LANG`, `HOSO_OCR_MODEL`) and the orientation model
    are installed."""
    name = "OCR models"
    try:
        check_languages(lang, model)
    except (OcrError, ValueError) as exc:
        return CheckResult.problem(
            name,
            str(exc),
            "set HOSO_OCR_LANG and HOSO_OCR_MODEL to installed models, or reinstall hoso "
            "(the models ship inside it)",
        )
    return CheckResult.ok(name, f"{model} models for {lang} and the orientation model present")
