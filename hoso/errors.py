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

    meaning: str

    def __new__(cls, value: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    OK = 0, "success"
    FAILURE = 1, "other failure"
    BAD_ARGUMENTS = 2, "bad arguments"
    UNREADABLE_INPUT = 3, "unreadable or corrupt input (also: empty file, missing file)"
    ENCRYPTED_INPUT = 4, "password-protected input"
    INPUT_TOO_LARGE = (
        5,
        "input too large (decompression bomb, > 100 megapixels a page, > 5000 pages)",
    )
    OCR_FAILED = 6, "OCR failure (also: missing language model)"
    UNSUPPORTED_INPUT = 7, "unsupported input (not PDF/TIFF/JPEG/PNG; dynamic XFA form)"
    OUTPUT_FAILED = 8, "cannot write the output"
    FIXITY_FAILED = 9, "`hoso fixity` found missing or changed objects"
    STORAGE_UNAVAILABLE = 10, "storage (object store or database) unavailable"
    SIGNING_FAILED = 11, "signing failed (key, token, PIN or time-stamping authority)"
    SIGNATURE_INDETERMINATE = 12, "`hoso verify`: verdict INDETERMINATE"
    SIGNATURE_FAILED = 13, "`hoso verify`: verdict TOTAL-FAILED"
    INTERRUPTED = 130, "interrupted"


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
