"""What the desk UI says about the service's words: error codes, statuses and page warnings, as
English source strings that the catalogue translates (`hoso.api.web.i18n`).

Errors carry English messages written for the CLI and the API's problem details; a person at a
desk reads Vietnamese, so the UI shows the text of the error's stable `code` instead. Every
code a `HosoError` can carry has a text here: a test walks the error classes and fails on a
code without one. An unknown code (a newer worker's) still shows the generic text.
"""

from __future__ import annotations

import re

from hoso.api.web.i18n import N_
from hoso.digitize.fields import problems as wrong
from hoso.digitize.page_warnings import (
    ANALYSIS_TOO_SLOW,
    ANNOTATIONS_NOT_DRAWN,
    ATTACHMENTS_NOT_READ,
    BELOW_MINIMUM,
    BLANK_PAGE,
    CUT_SHORT,
    DAMAGED_IMAGE,
    DRAWN_ONLY,
    FILE_ANALYSIS_TOO_SLOW,
    GIF_PICTURES,
    HIDDEN_TEXT,
    LOW_CONFIDENCE,
    NEGATIVE_PAGE,
    NOTHING_READ,
    OUTLINE_NOT_FOUND,
    PICTURE_NOT_READ,
    PICTURES_LEFT,
    SAME_FILE_TWICE,
    SHOW_THROUGH,
    SHOW_THROUGH_OWN_PRINT,
    SKEW_UNKNOWN,
    STATED_DPI_DOUBTED,
    TOO_SMALL,
    UNEVEN_RESOLUTION,
    WAY_UP_UNKNOWN,
)

GENERIC_ERROR = N_("Something went wrong. Try again; if it happens again, tell the administrator.")

CODE_TEXTS: dict[str, str] = {
    # the paper or file
    "input_error": N_("The file cannot be used. Scan the paper again."),
    "empty_input": N_("The file is empty. Scan the paper again."),
    "corrupt_input": N_(
        "The file is damaged or cut short and cannot be read. Scan the paper again."
    ),
    "unreadable_image": N_("A page's image is damaged and cannot be read. Scan the paper again."),
    "encrypted_input": N_("The file is protected by a password. Send a copy without a password."),
    "input_too_large": N_(
        "The file is too large (too many pages or pixels). Split it, or scan at 300 dpi."
    ),
    "unsupported_input": N_(
        "This kind of file is not accepted. Send PDF, TIFF, JPEG or PNG scans."
    ),
    "upload_too_large": N_("The file is larger than the server accepts. Split it into parts."),
    "ocr_failed": N_("The text of a page could not be read. Scan it again, straight and well lit."),
    "ocr_too_slow": N_(
        "Reading a page took far too long and was stopped: it may be mostly noise or far "
        "larger than a paper. Scan it again."
    ),
    "ocr_model_missing": N_("The server lacks its text recognition model. Tell the administrator."),
    "page_pool_closed": N_(
        "The server stopped while reading this paper. It carries on when the server starts again."
    ),
    "not_signable": N_("This PDF cannot be signed: it is damaged or not a PDF."),
    "invalid_value": N_("The value is not valid for this field."),
    # batches and documents
    "batch_not_found": N_("There is no such batch."),
    "batch_closed": N_("The batch is closed. Open a new batch for more scans."),
    "empty_batch": N_("The batch has no files yet. Add scans before closing it."),
    "document_not_found": N_("There is no such document."),
    "document_not_failed": N_("Only a failed document can be retried or replaced."),
    "queue_unavailable": N_("The processing queue did not answer. Try again in a minute."),
    "internal_error": N_(
        "Processing failed unexpectedly. Retry; if it fails again, tell the administrator."
    ),
    # the server
    "hoso_error": GENERIC_ERROR,
    "output_failed": N_("The server could not write the result. Tell the administrator."),
    "settings_invalid": N_("The server is not configured correctly. Tell the administrator."),
    "port_in_use": N_("The server's port is taken by another program. Tell the administrator."),
    "archive_not_found": N_("The server cannot find its archive. Tell the administrator."),
    "storage_error": N_(
        "The archive storage failed. Try again; tell the administrator if it goes on."
    ),
    "storage_unavailable": N_("The archive storage does not answer. Try again in a few minutes."),
    "object_missing": N_("A stored file is missing from the archive. Tell the archivist."),
    "integrity_error": N_("A stored file has changed since it was archived. Tell the archivist."),
    "worker_id_in_use": N_("Another worker already runs under this name. Tell the administrator."),
    "procedures_invalid": N_("The list of procedures is not valid. Tell the administrator."),
    "unknown_procedure": N_("There is no such procedure."),
    # signatures
    "signing_config_invalid": N_("Signing and verification are not set up on this server."),
    "signer_unavailable": N_("The signing key or token is not available. Tell the administrator."),
    "signing_failed": N_("Signing failed. Retry; if it fails again, tell the administrator."),
    "too_many_signatures": N_(
        "This PDF holds more signatures than any paper carries; it is not checked."
    ),
    "verification_timed_out": N_(
        "A server named in a certificate did not answer in time. Check the file again later."
    ),
    "operator_signer_missing": N_(
        "No signing key is set up for the person who scanned this. Tell the administrator."
    ),
    "result_signing_not_configured": N_(
        "Results cannot be signed on this server yet: it has no result signing key. Tell the "
        "administrator."
    ),
    # results issued electronically
    "dossier_not_found": N_("There is no such dossier in your province."),
    "result_not_found": N_("There is no such result of this dossier."),
    "invalid_result": N_(
        "Check the procedure code, the applicant's ID number or tax code and the title."
    ),
    # records and handover to the archives
    "invalid_record_value": N_(
        "This records field does not take that value. Check it and save again."
    ),
    "nothing_to_export": N_("Nothing in your province matches this selection."),
    "invalid_selection": N_("Choose one dossier, one batch or a span of days to export."),
    "export_target_exists": N_("The export folder is not empty. Choose a new or empty folder."),
    "export_too_large": N_(
        "The selection holds too many documents for one download. Choose fewer days."
    ),
    "exports_busy": N_("Other exports are being prepared. Try again in a minute."),
    "bag_invalid": N_(
        "The package is incomplete or has been changed: its files do not match its lists."
    ),
    "bag_unsafe": N_("The package was refused: it is built in a way that is not safe to read."),
    "bad_file_list": N_("The list of files sent is not valid. Send the files again."),
    # people, access and requests
    "not_authenticated": N_("Log in first."),
    "login_required": N_("Your session has ended. Log in again."),
    "login_refused": N_("The username or password is wrong, or the account is disabled."),
    "forbidden": N_("Your account may not open this page."),
    "csrf_refused": N_(
        "The form was refused because it did not come from this page. Reload the page and "
        "try again."
    ),
    "not_found": N_("There is nothing here, or it belongs to another province."),
    "bad_request": N_("The request is not valid."),
    "invalid_request": N_("Some of what was sent is missing or not valid."),
    "too_many_failures": N_("Too many failed attempts. Wait a minute, then try again."),
    "too_many_uploads": N_("Too many files are being sent at once. This one will be sent again."),
    "request_timeout": N_("The file stopped arriving. Check the network and send it again."),
    "request_too_large": N_("The form sent is far larger than any form of this service."),
    "account_invalid": N_("The account cannot be saved as entered."),
    "account_not_found": N_("There is no such account."),
    "desk_invalid": N_("The desk cannot be saved as entered."),
    "desk_exists": N_("This province already has a desk with this name."),
    "upload_failed": N_("The upload failed. Send it again."),
    "server_unavailable": N_("The server does not answer. Check the network."),
}

DOCUMENT_STATUS_TEXTS: dict[str, str] = {
    "received": N_("Archived"),
    "queued": N_("Waiting"),
    "processing": N_("Processing"),
    "done": N_("Done"),
    "failed": N_("Failed"),
}

ROLE_TEXTS: dict[str, str] = {
    "station": N_("Scanning station"),
    "officer": N_("Officer"),
    "archivist": N_("Archivist"),
    "admin": N_("Administrator"),
}

BATCH_STATUS_TEXTS: dict[str, str] = {
    "open": N_("Open: add scans"),
    "closed": N_("Closed: being split into documents"),
    "planned": N_("Closed: documents being processed"),
    "done": N_("Done: every document processed"),
}

# The event log's words (`hoso.storage.vocabulary`): a document's history and the audit log
# (`event_text`, `outcome_text` in every template).
EVENT_TEXTS: dict[str, str] = {
    "batch_created": N_("Batch opened"),
    "batch_closed": N_("Batch closed"),
    "batch_planned": N_("Split from its batch"),
    "ingested": N_("Archived"),
    "derived": N_("Result stored"),
    "processed": N_("Digitized"),
    "fields_extracted": N_("Fields read"),
    "cross_checked": N_("Checked against its dossier"),
    "reviewed": N_("Field reviewed"),
    "retrieved": N_("Content read"),
    "searched": N_("Searched"),
    "verified": N_("Signatures verified"),
    "person_read": N_("Person's papers read"),
    "prefilled": N_("Form prefilled"),
    "fixity_started": N_("Fixity round started"),
    "fixity_check": N_("Fixity checked"),
    "renewal_checked": N_("Signature renewal check ran"),
    "renewal_due": N_("Signature renewal due"),
    "renewed": N_("Long-term signature renewed"),
    "token_created": N_("API token created"),
    "token_revoked": N_("API token revoked"),
    "document_read": N_("Document details read"),
    "auth_failed": N_("Access refused"),
    "batch_read": N_("Batch read"),
    "batch_files_read": N_("Batch files read"),
    "retried": N_("Retried"),
    "replaced": N_("Replaced by a rescan"),
    "account_created": N_("Account created"),
    "account_disabled": N_("Account disabled"),
    "logged_in": N_("Logged in"),
    "logged_out": N_("Logged out"),
    "records_updated": N_("Records metadata set"),
    "exported": N_("Exported to the archives"),
    "imported": N_("Imported from a bag"),
    "result_issued": N_("Result issued electronically"),
    "desk_created": N_("Desk created"),
}

OUTCOME_TEXTS: dict[str, str] = {
    "success": N_("Succeeded"),
    "failure": N_("Did not succeed"),
    "duplicate": N_("Already there"),
    "accepted": N_("Accepted"),  # a review's outcome is the decision
    "corrected": N_("Corrected"),
}

# Warnings a page can carry (hoso.digitize), by the template each is written from; a page
# under 200 dpi has its own flag (`below_200_dpi`) and is shown as "rescan needed" instead of
# its warning. A template's values ({rotation}, {confidence}…) are read back from the English
# text and kept in the Vietnamese one (`%(rotation)s`…).
WARNING_TEXTS: dict[str, str] = {
    DAMAGED_IMAGE: N_(
        "The image data is damaged or cut short; part of the page may be missing. Check the "
        "PDF against the paper and rescan if needed."
    ),
    ANNOTATIONS_NOT_DRAWN: N_(
        "The page's annotations (filled form fields, a visible signature, stamps) are damaged "
        "and were left out of the archived page. Check the PDF against what a viewer shows."
    ),
    WAY_UP_UNKNOWN: N_(
        "Could not tell which way up the page is (kept turned %(rotation)s°). Check that the "
        "page is upright."
    ),
    SKEW_UNKNOWN: N_("Could not measure the page's skew with confidence; it was not straightened."),
    LOW_CONFIDENCE: N_(
        "Text read with low confidence (%(confidence)s). Check it against the paper or rescan."
    ),
    NOTHING_READ: N_(
        "No text could be read on the page, though it carries marks that may be print. Check it "
        "against the paper or rescan it."
    ),
    BLANK_PAGE: N_(
        "Nothing printed or written was found on the page (it is blank, or all one colour). A "
        "blank back may be left out; if the paper has print, its other side was scanned: scan "
        "it again the other way round."
    ),
    TOO_SMALL: N_(
        "The image is only %(width)s × %(height)s pixels: too small to hold a paper that can be "
        "read. Scan the paper again."
    ),
    SHOW_THROUGH: N_(
        "The page carries only the print of the sheet's other side, showing through the paper "
        "(mirrored), so no text of its own was read. It may be a blank back to leave out."
    ),
    SHOW_THROUGH_OWN_PRINT: N_(
        "The print of the sheet's other side shows through this page (mirrored) and was left "
        "out; only the page's own darker print was read. Check it against the paper."
    ),
    OUTLINE_NOT_FOUND: N_(
        "The page looks like a photo, but its outline could not be found, so its perspective was "
        "not corrected. Retake the photo with the whole page on a darker surface, or scan it."
    ),
    GIF_PICTURES: N_(
        "The GIF holds %(pictures)s pictures and only the first was read. Send a document of "
        "several pages as PDF or TIFF."
    ),
    PICTURES_LEFT: N_(
        "The page carries %(pictures)s pictures; only the %(read)s largest were read for text, "
        "so text in the others cannot be searched for. Split the page if they hold papers."
    ),
    DRAWN_ONLY: N_(
        "The page is drawn with more than %(operations)s operations, too many to analyse: it "
        "was read by OCR from its image, and any text the PDF carries for it was not used."
    ),
    ANALYSIS_TOO_SLOW: N_(
        "The page took longer than %(seconds)s seconds to analyse (its fonts, text or drawing "
        "are too costly): it was read by OCR from its image, and any text the PDF carries for "
        "it was not used."
    ),
    FILE_ANALYSIS_TOO_SLOW: N_(
        "The file's pages took longer than %(seconds)s seconds to analyse together, so this "
        "page was not analysed: it was read by OCR from its image, and any text the PDF "
        "carries for it was not used."
    ),
    ATTACHMENTS_NOT_READ: N_(
        "The PDF carries %(count)s attached file(s) that were not digitized, only its pages: "
        "%(names)s. If they belong to the dossier, save them from the original and send them "
        "as files of their own."
    ),
    HIDDEN_TEXT: N_(
        "%(words)s word(s) of the PDF's text are not shown on the page (under a box drawn over "
        "them, in a hidden layer, or in the paper's colour) and were left out of its text and "
        "search. The original file keeps them."
    ),
    PICTURE_NOT_READ: N_(
        "A picture on the page could not be read for text (the OCR failed or took too long), "
        "so text in it cannot be searched for. Check it against the paper."
    ),
    NEGATIVE_PAGE: N_(
        "The page was a negative (light print on a dark page): it was made positive to be read "
        "and archived. The file as received is kept unchanged."
    ),
    UNEVEN_RESOLUTION: N_(
        "Scanned at %(x)s × %(y)s dpi (a fax): stretched to square pixels, but %(low)s dpi is "
        "below the legal minimum of %(minimum)s dpi for an e-copy. Rescan if this copy must be "
        "official."
    ),
    SAME_FILE_TWICE: N_(
        "This page comes from a file with the same content as %(name)s, whose pages start at "
        "page %(page)s: the same scan was sent twice. Leave one out if that was not meant."
    ),
    CUT_SHORT: N_(
        "The file is damaged after this page (%(detail)s): any pages after it could not be "
        "read. The file as received is kept; ask for it again or rescan."
    ),
    STATED_DPI_DOUBTED: N_(
        "The file states %(stated)s dpi, which would make the page %(width_mm)s × %(height_mm)s "
        "mm, but its print and shape are those of %(sheet)s at %(dpi)s dpi: it was archived as "
        "%(sheet)s (the file may have been shrunk after scanning). The file as received is kept."
    ),
}
_SKIPPED = (BELOW_MINIMUM,)  # shown as the page's "rescan needed" flag

# What can be wrong with a field's value (`digitize.fields.problems`), as the desk says it.
FIELD_PROBLEM_TEXTS = {
    wrong.ID_LENGTH: N_("An ID number has exactly 12 digits."),
    wrong.ID_PROVINCE: N_(
        "%(code)s is not the code of a province where births are registered (first 3 digits)."
    ),
    wrong.ID_CENTURY: N_(
        "Digit 4 (%(digit)s) says born in the century from %(century)s; the date of birth "
        "says %(born)s."
    ),
    wrong.ID_BIRTH_YEAR: N_("Digits 5-6 (%(digits)s) do not match the year of birth %(born)s."),
    wrong.ID_SEX: N_("Digit 4 (%(digit)s) says %(digit_sex)s; the paper says %(sex)s."),
    wrong.ID_UNBORN: N_("Digits 4-6 (%(digits)s) say born in %(born)s, a year still to come."),
    wrong.NOT_TEXT: N_("A value holds no angle brackets or control characters."),
    wrong.TAX_CODE_FORM: N_("A tax code is 10 digits, or 10 digits and -NNN for a branch."),
    wrong.TAX_CODE_ZEROS: N_("Digits 3 to 9 of a tax code cannot all be zero."),
    wrong.TAX_CODE_CHECK: N_("The check digit of the tax code is wrong."),
    wrong.DOSSIER_CODE_FORM: N_("A dossier code looks like 000.00.48.H17-250301-0042."),
    wrong.DOSSIER_CODE_DATE: N_("The receipt date in the dossier code (%(date)s) does not exist."),
    wrong.PROCEDURE_CODE_FORM: N_("A procedure code looks like 1.001234."),
    wrong.DOCUMENT_NUMBER_FORM: N_("A document number looks like 123/QĐ-UBND."),
    wrong.PHONE_FORM: N_(
        "A phone number is 10 digits starting 03, 05, 07, 08 or 09, 11 digits starting 02, or "
        "a 1800/1900 service line."
    ),
    wrong.NOT_A_DATE: N_("%(value)s is not a date that exists."),
    wrong.IN_THE_FUTURE: N_("%(value)s is in the future."),
    wrong.CARD_EXPIRY: N_(
        "A card expires on the holder's birthday at 14, 25, 40 or 60: %(expiry)s is not one for "
        "a holder born %(born)s."
    ),
    wrong.REPAIRED: N_(
        "Read through OCR errors (%(count)s corrected): check it against the paper."
    ),
    wrong.OCR_UNSURE: N_(
        "The OCR was unsure of “%(words)s” (%(confidence)s): check it against the paper."
    ),
    wrong.ZONE_DISAGREES: N_(
        "The card's machine-readable zone reads %(value)s: check that the front and the back "
        "are of one card."
    ),
    wrong.ID_TWO_NAMES: N_(
        "ID number %(number)s is %(one)s on one paper of the dossier and %(other)s on another."
    ),
    wrong.NAME_TWO_IDS: N_(
        "%(name)s has ID number %(one)s on one paper of the dossier and %(other)s on another."
    ),
    wrong.ID_TWO_BIRTHS: N_(
        "ID number %(number)s: born %(one)s on one paper of the dossier, %(other)s on another."
    ),
}


def code_text(code: str | None) -> str:
    """The (English source) text for an error code; translate it where it is shown."""
    return CODE_TEXTS.get(code or "", GENERIC_ERROR)


def _pattern(template: str) -> re.Pattern[str]:
    """A `str.format` template as a pattern that reads its values back from a text."""
    parts = re.split(r"\{(\w+)(?::[^}]*)?\}", template)
    pattern, named = "", set()
    for at, part in enumerate(parts):
        if at % 2 == 0:
            pattern += re.escape(part)
        else:  # a value the template repeats is the same text again
            pattern += f"(?P={part})" if part in named else f"(?P<{part}>.+?)"
            named.add(part)
    return re.compile(pattern + r"\Z")


_PATTERNS = [(_pattern(template), text) for template, text in WARNING_TEXTS.items()]
_SKIPPED_PATTERNS = [_pattern(template) for template in _SKIPPED]
_PROBLEM_PATTERNS = [(_pattern(template), text) for template, text in FIELD_PROBLEM_TEXTS.items()]


def _read_back(
    text: str, patterns: list[tuple[re.Pattern[str], str]]
) -> tuple[str, dict[str, str]]:
    """(The UI's source text, the values read from `text`) for the first template `text` was
    written from; `text` itself and no values when none was (a newer worker's words)."""
    for pattern, source in patterns:
        if found := pattern.match(text):
            return source, found.groupdict()
    return text, {}


def field_problems(problems: list[str] | None) -> list[tuple[str, dict[str, str]]]:
    """A value's problems for people, as (source text, its values)."""
    return [_read_back(str(problem), _PROBLEM_PATTERNS) for problem in problems or []]


def page_warnings(
    notes: list[dict[str, object]] | None,
) -> list[tuple[int, str, dict[str, str]]]:
    """A document's page warnings for people, as (page, source text, its values): the
    below-200-dpi warning is left out (the page's "rescan needed" flag says it); a warning this
    UI has no text for is kept as the worker wrote it, with no values."""
    shown: list[tuple[int, str, dict[str, str]]] = []
    for note in notes or []:
        page = note.get("page")
        warnings = note.get("warnings")
        if not isinstance(page, int) or not isinstance(warnings, list):
            continue
        for warning in warnings:
            text = str(warning)
            if any(skipped.match(text) for skipped in _SKIPPED_PATTERNS):
                continue
            shown.append((page, *_read_back(text, _PATTERNS)))
    return shown


def pages_to_rescan(notes: list[dict[str, object]] | None) -> list[int]:
    """Pages under the legal 200 dpi (Decree 30/2020): "cần quét lại"."""
    return [
        page
        for note in notes or []
        if note.get("below_200_dpi") and isinstance(page := note.get("page"), int)
    ]
