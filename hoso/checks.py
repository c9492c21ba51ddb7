"""What a deployment check reports (`hoso config check`), shared by every part that checks.

Each part checks what it owns (storage its database and bucket, signatures its keys and TSA,
the workflow its models) and answers with `CheckResult`s of this one shape, so the command can
print them as one table or one JSON list. A check never raises for what it finds: an unreachable
database is a result with a message a provincial IT person understands and what to do about it,
not a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CheckStatus(StrEnum):
    OK = "ok"
    PROBLEM = "problem"
    SKIPPED = "skipped"  # not configured here, or unreachable behind an earlier problem


@dataclass(frozen=True)
class CheckResult:
    name: str  # what was checked, e.g. "database", "signer agency"
    status: CheckStatus
    message: str  # what was found, in plain words
    fix: str = ""  # what to do about a problem (empty when there is nothing to do)

    @classmethod
    def ok(cls, name: str, message: str) -> CheckResult:
        return cls(name, CheckStatus.OK, message)

    @classmethod
    def problem(cls, name: str, message: str, fix: str) -> CheckResult:
        return cls(name, CheckStatus.PROBLEM, message, fix)

    @classmethod
    def skipped(cls, name: str, message: str) -> CheckResult:
        return cls(name, CheckStatus.SKIPPED, message)
