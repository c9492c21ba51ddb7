"""The kernel's error contract: exit codes and the base of every expected failure.

Each part of hoso keeps its own subclasses (`hoso.digitize.errors`, `hoso.storage.objects`,
`hoso.signatures.errors`, …); all of them carry a stable `code` that other tools match on, an exit
code for the CLI and an HTTP status for the API's problem details, so a failure reads the same
wherever it surfaces. Messages are written for the desk officer who fed the paper in: say what is
wrong and what to do next.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the `hoso` command. Never renumber: stations script against them.

    The CLI's help and the README's table are generated from `meaning` (`exit_codes_help`,
    `exit_codes_markdown`), so the three cannot disagree.
    """

    OK = 0
    FAILURE = 1
    BAD_ARGUMENTS = 2
    UNREADABLE_INPUT = 3
    ENCRYPTED_INPUT = 4
    INPUT_TOO_LARGE = 5
    OCR_FAILED = 6
    UNSUPPORTED_INPUT = 7
    OUTPUT_FAILED = 8
    FIXITY_FAILED = 9
    STORAGE_UNAVAILABLE = 10
    SIGNING_FAILED = 11
    SIGNATURE_INDETERMINATE = 12
    SIGNATURE_FAILED = 13
    CONFIG_PROBLEMS = 14
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "success",
    ExitCode.FAILURE: "other failure",
    ExitCode.BAD_ARGUMENTS: "bad arguments",
    ExitCode.UNREADABLE_INPUT: "unreadable or corrupt input (also: empty file, missing file)",
    ExitCode.ENCRYPTED_INPUT: "password-protected input",
    ExitCode.INPUT_TOO_LARGE: (
        "input too large (decompression bomb, > 100 megapixels a page, > 5000 pages)"
    ),
    ExitCode.OCR_FAILED: "OCR failure (also: missing language model)",
    ExitCode.UNSUPPORTED_INPUT: "unsupported input (not PDF/TIFF/JPEG/PNG; dynamic XFA form)",
    ExitCode.OUTPUT_FAILED: "cannot write the output",
    ExitCode.FIXITY_FAILED: "`hoso fixity` found missing or changed objects",
    ExitCode.STORAGE_UNAVAILABLE: "storage (object store or database) unavailable",
    ExitCode.SIGNING_FAILED: "signing failed (key, token, PIN or time-stamping authority)",
    ExitCode.SIGNATURE_INDETERMINATE: "`hoso verify`: verdict INDETERMINATE",
    ExitCode.SIGNATURE_FAILED: "`hoso verify`: verdict TOTAL-FAILED",
    ExitCode.CONFIG_PROBLEMS: "`hoso config check` found problems in the deployment",
    ExitCode.INTERRUPTED: "interrupted",
}


def exit_codes_help() -> str:
    """One paragraph for `--help` epilogues."""
    listed = "; ".join(f"{code.value} {code.meaning.replace('`', '')}" for code in ExitCode)
    return f"Exit codes: {listed}."


def exit_codes_markdown() -> str:
    """The README's table (a test checks the README holds exactly this)."""
    rows = [f"| {code.value} | {code.meaning} |" for code in ExitCode]
    return "\n".join(["| code | meaning |", "|---|---|", *rows]) + "\n"


class HosoError(Exception):
    """Base of every expected failure. `code` is stable: other tools match on it."""

    code: str = "hoso_error"
    exit_code: ExitCode = ExitCode.FAILURE
    http_status: int = 500

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.message = message
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross from page workers to the orchestrator; keyword-only arguments do not
        # survive default exception pickling.
        return (_rebuild, (type(self), self.message, self.source))


def _rebuild(cls: type[HosoError], message: str, source: str | None) -> HosoError:
    return cls(message, source=source)


class InputError(HosoError):
    """Something is wrong with what was handed in, not with hoso."""

    code = "input_error"
    exit_code = ExitCode.UNREADABLE_INPUT
    http_status = 422


class OutputError(HosoError):
    """A result could not be written (disk full, no permission)."""

    code = "output_failed"
    exit_code = ExitCode.OUTPUT_FAILED
