"""The words the index stores: statuses and event types, one enum each.

They are `StrEnum`s because the database columns, the JSON of the API and the event log hold the
plain strings (`"done"`, `"processed"`): a member compares equal to its string and is written as
it, so nothing stored or published changes, while code can no longer misspell one. Adding a member
is an additive change; renaming one is a migration.
"""

from __future__ import annotations

from enum import StrEnum


class BatchStatus(StrEnum):
    OPEN = "open"  # a station is still uploading
    CLOSED = "closed"  # the station is done; waiting to be planned
    PLANNED = "planned"  # split into documents, each queued


class DocumentStatus(StrEnum):
    RECEIVED = "received"  # archived by `hoso ingest`, outside any batch
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Nothing more will happen to it (a replayed job step must not touch it)."""
        return self in (DocumentStatus.DONE, DocumentStatus.FAILED)


class FieldStatus(StrEnum):
    EXTRACTED = "extracted"  # confident and checked: reusable as read
    NEEDS_REVIEW = "needs_review"  # waits in the review queue
    ACCEPTED = "accepted"  # an officer confirmed the value
    CORRECTED = "corrected"  # an officer typed the right value

    @property
    def reviewed(self) -> bool:
        return self in (FieldStatus.ACCEPTED, FieldStatus.CORRECTED)


class EventType(StrEnum):
    """What the append-only event log records (shared/domain: who did what, who read what)."""

    BATCH_CREATED = "batch_created"
    BATCH_CLOSED = "batch_closed"
    BATCH_PLANNED = "batch_planned"
    INGESTED = "ingested"
    DERIVED = "derived"
    PROCESSED = "processed"
    FIELDS_EXTRACTED = "fields_extracted"
    CROSS_CHECKED = "cross_checked"
    REVIEWED = "reviewed"
    RETRIEVED = "retrieved"  # a read of personal content (PDF, original, text, fields, queue)
    SEARCHED = "searched"
    VERIFIED = "verified"  # a signature verification asked for over the API
    PERSON_READ = "person_read"
    PREFILLED = "prefilled"  # a procedure's form filled from a person's papers (reuse, 766)
    FIXITY_STARTED = "fixity_started"
    FIXITY_CHECK = "fixity_check"
    RENEWAL_CHECKED = "renewal_checked"  # a scheduled look for signed copies due (counts)
    RENEWAL_DUE = "renewal_due"  # a signed copy's long-term validity needs a new timestamp
    RENEWED = "renewed"  # a signed copy got fresh validation data and a document timestamp
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    DOCUMENT_READ = "document_read"  # a read of a document's metadata or history (`what`)
    AUTH_FAILED = "auth_failed"  # a bad, malformed or revoked API token was refused
    BATCH_READ = "batch_read"  # a batch with its file names (often citizens' names)
    BATCH_FILES_READ = "batch_files_read"
    RETRIED = "retried"  # a failed document put back in the queue (the failure stays logged)
    REPLACED = "replaced"  # a failed document's original replaced by a rescan (both kept)
    ACCOUNT_CREATED = "account_created"  # a person who logs in to the desk UI
    ACCOUNT_DISABLED = "account_disabled"
    LOGGED_IN = "logged_in"  # a desk UI session began (a refused login is `auth_failed`)
    LOGGED_OUT = "logged_out"
    RECORDS_UPDATED = "records_updated"  # a person set records metadata (Circular 05/2025)
    EXPORTED = "exported"  # a document handed over in a BagIt bag
    IMPORTED = "imported"  # a document received from a bag
    RESULT_ISSUED = "result_issued"  # a dossier's result signed and kept (e-result, 766)
    DESK_CREATED = "desk_created"  # a one-stop counter of a province or commune


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DUPLICATE = "duplicate"  # the same bytes were already there: nothing new stored
