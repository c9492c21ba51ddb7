"""Failures of digitize, on the kernel's `HosoError` (`hoso.errors`: stable code, exit code,
HTTP status, message for people). The CLI maps them to exit codes and the API to RFC 9457 problem
details from the same class attributes. Messages are written for the desk officer who fed the
paper in: say what is wrong and what to do next.
"""

from __future__ import annotations

from hoso.errors import ExitCode, HosoError, InputError


class EmptyInputError(InputError):
    code = "empty_input"


class CorruptInputError(InputError):
    code = "corrupt_input"


class UnreadableImageError(CorruptInputError):
    """A page's image that no decoder hoso has can read (pikepdf gave up and PDFium failed too):
    the image data itself is broken, not a format hoso lacks."""

    code = "unreadable_image"


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


class OcrTooSlowError(OcrError):
    """Tesseract was stopped at the time limit of one recognition (`ocr.engine.too_slow`)."""

    code = "ocr_too_slow"


class PagePoolClosedError(HosoError):
    """The page pool was shut down while a document's pages waited in it: the process is
    stopping. Not the document's fault: it resumes when a worker starts."""

    code = "page_pool_closed"
    http_status = 503


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
