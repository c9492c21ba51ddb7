"""Failures of digitize: each has a stable code, an exit code and a message for people.

The CLI maps these to exit codes and the API (later) to RFC 9457 problem types, both from the same
class attributes, so a failure reads the same wherever it surfaces. Messages are written for the
desk officer who fed the paper in: say what is wrong and what to do next.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the `hoso` command; documented in the README. Never renumber."""

    OK = 0
    FAILURE = 1
    BAD_ARGUMENTS = 2
    UNREADABLE_INPUT = 3
    ENCRYPTED_INPUT = 4
    INPUT_TOO_LARGE = 5
    OCR_FAILED = 6
    UNSUPPORTED_INPUT = 7
    OUTPUT_FAILED = 8
    FIXITY_FAILED = 9  # `hoso fixity` found missing or changed objects
    STORAGE_UNAVAILABLE = 10
    SIGNING_FAILED = 11  # `hoso sign`: the key, token or TSA could not be used
    SIGNATURE_INDETERMINATE = 12  # `hoso verify`: the verdict is INDETERMINATE
    SIGNATURE_FAILED = 13  # `hoso verify`: the verdict is TOTAL-FAILED
    INTERRUPTED = 130


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


class EmptyInputError(InputError):
    code = "empty_input"


class CorruptInputError(InputError):
    code = "corrupt_input"


class EncryptedInputError(InputError):
    code = "encrypted_input"
    exit_code = ExitCode.ENCRYPTED_INPUT


class InputTooLargeError(InputError):
    code = "input_too_large"
    exit_code = ExitCode.INPUT_TOO_LARGE
    http_status = 413


class UnsupportedInputError(InputError):
    code = "unsupported_input"
    exit_code = ExitCode.UNSUPPORTED_INPUT
    http_status = 415


class OcrError(HosoError):
    code = "ocr_failed"
    exit_code = ExitCode.OCR_FAILED


class OcrModelMissingError(OcrError):
    code = "ocr_model_missing"


class OutputError(HosoError):
    code = "output_failed"
    exit_code = ExitCode.OUTPUT_FAILED


class PageFailedError(HosoError):
    """A page failed; wraps the page's own error so the document fails with the page number."""

    def __init__(self, page_number: int, cause: HosoError) -> None:
        self.page_number = page_number
        self.cause = cause
        self.code = cause.code
        self.exit_code = cause.exit_code
        self.http_status = cause.http_status
        super().__init__(f"page {page_number}: {cause.message}", source=cause.source)

    def __reduce__(self) -> tuple[object, ...]:
        return (PageFailedError, (self.page_number, self.cause))
