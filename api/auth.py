"""API tokens and roles.

Roles (issue 5): station (upload into batches of its own province), officer (read and reuse
records of its own province: records are retrievable from any desk of the province), archivist
(verify, fixity, export; reads content, changes nothing), admin (tokens and the audit log; no
personal content). A record of another province answers 404, as if it did not exist.

Tokens are `hoso_` + 43 url-safe characters (256 random bits). Only their SHA-256 is stored:
for a secret of that entropy a fast hash is as strong as a slow one, and each request is
checked with one indexed lookup.

A province admin manages its own province's tokens only: it creates tokens for its province
(never one without a province: that would read every province), and lists and revokes only
them; another province's token answers 404 like a missing one. Global tokens (no province) are
made by the global admin, whom `hoso token create` makes.

A refused token is an audit event (`auth_failed`: the cause, the client address, the id of a
revoked token; never the secret). Failed authentications are limited per client address and
per token prefix by `FailureLimiter`, in the memory of each API process: N processes behind
a balancer allow N times the limit, and a restart forgets the count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from hoso.errors import ExitCode, HosoError
from hoso.storage.accounts import needs_a_province, operator_name_in_use, person_agent
from hoso.storage.index import RecordIndex
from hoso.storage.schema import ApiToken, Batch, Desk, Province
from hoso.storage.vocabulary import EventType, Outcome

TOKEN_PREFIX = "hoso_"


class Role(StrEnum):
    STATION = "station"
    OFFICER = "officer"
    ARCHIVIST = "archivist"
    ADMIN = "admin"


class NotAuthenticatedError(HosoError):
    code = "not_authenticated"
    http_status = 401

    def __init__(self, message: str = "send a valid API token: Authorization: Bearer hoso_…"):
        super().__init__(message)


class ForbiddenError(HosoError):
    code = "forbidden"
    http_status = 403


class NotFoundError(HosoError):
    code = "not_found"
    http_status = 404


class BadRequestError(HosoError):
    """The caller asked for something that cannot be (in the CLI: `hoso token create`'s bad
    arguments, exit 2)."""

    code = "bad_request"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 400


class TooManyFailuresError(HosoError):
    """Too many refused tokens from one address or with one token prefix: 429, and when to
    retry (`headers` carries `Retry-After` for the problem response)."""

    code = "too_many_failures"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed authentications; retry in {retry_after} s with a valid API token"
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API token (`token_id`) or a person logged in to the desk UI
    (`account_id`), never both. The same role and province rules hold for either."""

    token_id: int | None  # None: a person in the desk UI
    name: str
    role: Role
    province_code: str | None  # None only for admins of the whole installation
    desk_id: int | None
    account_id: int | None = None  # a person logged in to the desk UI

    @property
    def agent(self) -> str:
        """How this caller appears in the event log."""
        if self.account_id is not None:
            return person_agent(self.name)
        return f"{self.role.value}:{self.name}"

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            who = "this token" if self.account_id is None else "your account"
            raise ForbiddenError(f"this needs the role {allowed}; {who} is {self.role.value}")

    def opened(self, batch: Batch) -> bool:
        """Whether this caller opened the batch: a station token its own batches, a person
        those they opened in the desk UI (a batch has one or the other)."""
        if self.account_id is not None:
            return batch.station_account_id == self.account_id
        return self.token_id is not None and batch.station_token_id == self.token_id

    def may_see(self, province_code: str | None) -> bool:
        return self.province_code is None or self.province_code == province_code

    def require_may_issue(self, role: Role, province_code: str | None) -> None:
        """Refuse a token this caller may not issue: a province admin issues tokens of its
        own province only, so it can never mint one that reads another province or all."""
        if self.province_code is not None and province_code != self.province_code:
            raise ForbiddenError(
                f"an admin of province {self.province_code} issues tokens of province "
                f"{self.province_code} only (asked: {province_code or 'every province'}, "
                f"role {role.value})"
            )


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    def __init__(self, index: RecordIndex) -> None:
        self.index = index

    def create(
        self,
        name: str,
        role: Role,
        province_code: str | None,
        agent: str,
        desk_id: int | None = None,
    ) -> tuple[ApiToken, str]:
        """A new token; the secret is returned once and never stored."""
        if role is not Role.ADMIN and province_code is None:
            raise BadRequestError(needs_a_province(role.value, "token"))
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.index.session() as session:
            if province_code is not None and session.get(Province, province_code) is None:
                raise BadRequestError(f"there is no province with code {province_code!r}")
            if desk_id is not None:
                desk = session.get(Desk, desk_id)
                if desk is None or (province_code and desk.province_code != province_code):
                    raise BadRequestError(f"there is no desk {desk_id} in the token's province")
            if role is Role.STATION and operator_name_in_use(session, name, province_code):
                raise BadRequestError(
                    f"the name {name!r} is taken by an account or another station: a "
                    "station's name says whose key signs its scans, so it must be unique"
                )
            row = ApiToken(
                name=name, token_sha256=digest(token), role=role.value,
                province_code=province_code, desk_id=desk_id,
            )  # fmt: skip
            session.add(row)
            session.flush()
            self.index.log_event(
                session, EventType.TOKEN_CREATED, Outcome.SUCCESS, agent,
                detail={"token_id": row.id, "name": name, "role": role.value,
                        "province": province_code},
            )  # fmt: skip
            return row, token

    def authenticate(self, token: str, client: str = "", logged: bool = True) -> Principal:
        """The caller a token stands for; a refused token is an `auth_failed` event (why, from
        which address, which revoked token) before the 401, unless not `logged` (a caller
        already over the failure limit: its flood writes nothing)."""
        if not token.startswith(TOKEN_PREFIX):
            if logged:
                self._refuse("token_malformed", client, None)
            raise NotAuthenticatedError()
        with self.index.sessions() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == digest(token)))
        if row is None or row.revoked_at is not None:
            if logged:
                self._refuse("token_unknown" if row is None else "token_revoked", client, row)
            raise NotAuthenticatedError("this API token is unknown or revoked")
        return Principal(row.id, row.name, Role(row.role), row.province_code, row.desk_id)

    def _refuse(self, code: str, client: str, row: ApiToken | None) -> None:
        """Log a failed authentication: references only, never the presented secret."""
        detail: dict[str, object] = {"code": code, "client": client}
        if row is not None:
            detail |= {"token_id": row.id, "province": row.province_code}
        with self.index.session() as session:
            self.index.log_event(
                session, EventType.AUTH_FAILED, Outcome.FAILURE, "anonymous", detail=detail
            )

    def list(self, province_code: str | None = None) -> list[ApiToken]:
        """Every token, or (a province given) only that province's."""
        statement = select(ApiToken).order_by(ApiToken.id)
        if province_code is not None:
            statement = statement.where(ApiToken.province_code == province_code)
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def revoke(self, token_id: int, agent: str, province_code: str | None = None) -> ApiToken:
        """Revoke a token; with a province, a token of another province (or a global one)
        answers like a missing one."""
        with self.index.session() as session:
            row = session.get(ApiToken, token_id)
            if row is None or (province_code is not None and row.province_code != province_code):
                raise NotFoundError(f"there is no token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = dt.datetime.now(dt.UTC)
                self.index.log_event(
                    session,
                    EventType.TOKEN_REVOKED,
                    Outcome.SUCCESS,
                    agent,
                    detail={"token_id": token_id, "province": row.province_code},
                )
            return row

    def has_admin(self) -> bool:
        with self.index.sessions() as session:
            found = session.scalar(
                select(ApiToken.id).where(
                    ApiToken.role == Role.ADMIN.value, ApiToken.revoked_at.is_(None)
                )
            )
            return found is not None


class FailureLimiter:
    """Failed authentications per key (a client address, a token prefix) in a sliding window,
    in this process's memory: more than `limit` within `window` seconds and the key is refused
    (429) until its oldest failure leaves the window. Per process by design: no shared store
    to reach or to fail; several API processes each count their own."""

    MAX_KEYS = 10_000  # beyond it, keys without a recent failure are forgotten

    def __init__(
        self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        """Raise `TooManyFailuresError` if any key has used up its failures."""
        now = self.clock()
        with self._lock:
            waits = [self._wait(key, now) for key in keys]
        longest = max(waits, default=0.0)
        if longest > 0:
            raise TooManyFailuresError(max(1, math.ceil(longest)))

    def fail(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:
                self._forget_old(now)
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def _wait(self, key: str, now: float) -> float:
        """Seconds until the key may try again (0: it may now)."""
        times = self._failures.get(key)
        if times is None:
            return 0.0
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            return 0.0
        return times[-self.limit] + self.window - now

    def _forget_old(self, now: float) -> None:
        stale = [k for k, t in self._failures.items() if not t or t[-1] <= now - self.window]
        for key in stale:
            del self._failures[key]
