"""Signing and verification failures, with stable codes like every hoso error."""

from __future__ import annotations

from hoso.errors import ExitCode, HosoError


class SigningConfigError(HosoError):
    """The signing configuration is missing, unreadable or names something that is not there."""

    code = "signing_config_invalid"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 503


class SignerUnavailableError(HosoError):
    """The key cannot be used: wrong PIN, token absent, PKCS#12 unreadable."""

    code = "signer_unavailable"
    exit_code = ExitCode.SIGNING_FAILED
    http_status = 503


class SigningFailedError(HosoError):
    """pyHanko refused to sign (e.g. revoked certificate while collecting LTV data) or the TSA
    did not answer."""

    code = "signing_failed"
    exit_code = ExitCode.SIGNING_FAILED
    http_status = 502


class NotSignableError(HosoError):
    """The PDF cannot take a signature (encrypted, damaged, not a PDF)."""

    code = "not_signable"
    exit_code = ExitCode.UNREADABLE_INPUT
    http_status = 422


class TooManySignaturesError(NotSignableError):
    """A PDF holding more signatures than a paper ever carries: one request with thousands of
    fields sharing a signature had held a server thread and a core for minutes (a reviewing
    helper's)."""

    code = "too_many_signatures"
    exit_code = ExitCode.INPUT_TOO_LARGE
    http_status = 413


class VerificationTimedOutError(HosoError):
    """Checking the signatures took longer than hoso allows, most often because a server named
    in a certificate (revocation, issuer) did not answer: a certificate that pointed at a host
    that never answers had ended the request in an internal error after 11 s."""

    code = "verification_timed_out"
    exit_code = ExitCode.SIGNATURE_INDETERMINATE
    http_status = 504


class OperatorSignerMissingError(HosoError):
    """Operators have signers of their own (`[operators]`), and the one who scanned this copy
    has none: hoso signs with nobody else's key instead. Fixed by configuration, then a retry."""

    code = "operator_signer_missing"
    exit_code = ExitCode.SIGNING_FAILED
    http_status = 503


class ResultSigningNotConfiguredError(HosoError):
    """Results are signed with the agency's result profile (`[results] profile`), and there is
    no signing configuration or it names none: hoso never issues a result unsigned, nor signed
    with a scan operator's or a copy's profile. Fixed by configuration, then a retry."""

    code = "result_signing_not_configured"
    exit_code = ExitCode.SIGNING_FAILED
    http_status = 503
