"""People who log in to the desk UI, and their browser sessions.

Passwords are hashed with argon2id (`argon2-cffi`, its RFC 9106 defaults): unlike API tokens,
which are 256 random bits and safe under a fast hash, a password is chosen by a person and
must cost a guesser real time per try. A login for an unknown or disabled name still pays one
hash, so the answer's timing does not tell which names exist. A hash made with weaker
parameters than today's is replaced at the next successful login.

Sessions live on the server: the browser's cookie holds a random 256-bit secret and the table
keeps only its SHA-256 (what a leaked table shows opens nothing). A session ends when it is
idle longer than `SessionLimits.idle_seconds`, when it is older than `max_seconds` whatever
its use, at logout, and when its account is disabled. Every login starts a new session, so an
identifier planted before the login (session fixation) is never the one logged in.

Creating and disabling accounts, logins, refused logins and logouts are events; a refused login
is an `auth_failed` event like a refused API token (references only, never the password).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hoso.errors import ExitCode, HosoError
from hoso.settings import HosoSettings
from hoso.storage.index import RecordIndex
from hoso.storage.schema import Account, ApiToken, Desk, Province, WebSession
from hoso.storage.vocabulary import EventType, Outcome

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")
MIN_PASSWORD = 10  # characters; NIST SP 800-63B asks at least 8 of a chosen secret
MAX_PASSWORD = 200  # argon2 takes any length, but a megabyte "password" is only a load
ROLES = ("station", "officer", "archivist", "admin")  # the API's roles (hoso.api.auth.Role)
ANONYMOUS = "anonymous"


class AccountError(HosoError):
    """An account cannot be made or changed as asked (name taken, weak password, no province)."""

    code = "account_invalid"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 422


def needs_a_province(role: str, what: str) -> str:
    """ "an officer account belongs to a province…": the article as the role's sound asks."""
    article = "an" if role[:1].lower() in "aeiou" else "a"
    return f"{article} {role} {what} belongs to a province (2-digit code)"


class AccountNotFoundError(HosoError):
    code = "account_not_found"
    exit_code = ExitCode.BAD_ARGUMENTS
    http_status = 404


class LoginRefusedError(HosoError):
    """Wrong name or password, or a disabled account: one answer for all three, so a guesser
    cannot tell which names exist."""

    code = "login_refused"
    http_status = 401

    def __init__(self) -> None:
        super().__init__("the username or password is wrong, or the account is disabled")


@dataclass(frozen=True)
class SessionLimits:
    """How long a browser session lives: `idle_seconds` without a request, `max_seconds` in all
    (`HOSO_SESSION_IDLE_SECONDS`, `HOSO_SESSION_MAX_SECONDS`)."""

    idle_seconds: float
    max_seconds: float

    @classmethod
    def from_settings(cls, settings: HosoSettings | None = None) -> SessionLimits:
        """The configured limits; without settings, the defaults of `HosoSettings`."""
        chosen = settings or HosoSettings()
        return cls(chosen.session_idle_seconds, chosen.session_max_seconds)

    @property
    def touch_every(self) -> float:
        """How stale `last_seen` may get before a request writes it again: one write per
        request would be a database write per htmx poll, and a minute (or a tenth of a short
        idle limit) is precise enough for an idle timeout."""
        return min(60.0, self.idle_seconds / 10)


@dataclass(frozen=True)
class LiveSession:
    """A session that is alive, with the account it belongs to (enabled)."""

    account: Account
    csrf_token: str
    created_at: dt.datetime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    """Accounts and sessions of one record index. `hasher` and `clock` are arguments so a
    deployment may tune argon2 and a test may move time; the defaults are the real ones."""

    def __init__(
        self,
        index: RecordIndex,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.index = index
        self.hasher = hasher or PasswordHasher()
        self.clock = clock

    # --- accounts ------------------------------------------------------------------------

    def create(
        self,
        username: str,
        password: str,
        role: str,
        province_code: str | None,
        agent: str,
        desk_id: int | None = None,
    ) -> Account:
        """A new account. Every role but admin belongs to a province (like API tokens)."""
        username = _checked_username(username)
        _check_password(password)
        if role not in ROLES:
            raise AccountError(f"the role is one of {', '.join(ROLES)}, not {role!r}")
        if role != "admin" and province_code is None:
            raise AccountError(needs_a_province(str(role), "account"))
        password_hash = self.hasher.hash(password)  # slow: outside the transaction
        with self.index.session() as session:
            if province_code is not None and session.get(Province, province_code) is None:
                raise AccountError(f"there is no province with code {province_code!r}")
            if desk_id is not None:
                desk = session.get(Desk, desk_id)
                if desk is None or (province_code and desk.province_code != province_code):
                    raise AccountError(f"there is no desk {desk_id} in the account's province")
            if operator_name_in_use(session, username, province_code):
                raise AccountError(
                    f"the name {username!r} is taken by another account or an active station"
                )
            row = Account(
                username=username, password_hash=password_hash, role=role,
                province_code=province_code, desk_id=desk_id,
            )  # fmt: skip
            session.add(row)
            session.flush()
            self.index.log_event(
                session, EventType.ACCOUNT_CREATED, Outcome.SUCCESS, agent, desk_id=desk_id,
                detail={"account_id": row.id, "role": role, "province": province_code},
            )  # fmt: skip
            return row

    def list(self, province_code: str | None = None) -> list[Account]:
        """Every account by id, or (a province given) only that province's."""
        statement = select(Account).order_by(Account.id)
        if province_code is not None:
            statement = statement.where(Account.province_code == province_code)
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def disable(self, username: str, agent: str, province_code: str | None = None) -> Account:
        """Disable an account and end its sessions at once; with a province, an account of
        another province answers like a missing one. Disabling twice changes nothing."""
        with self.index.session() as session:
            row = session.scalar(select(Account).where(Account.username == username.lower()))
            if row is None or (province_code is not None and row.province_code != province_code):
                raise AccountNotFoundError(f"there is no account {username!r}")
            session.execute(delete(WebSession).where(WebSession.account_id == row.id))
            if row.disabled_at is None:
                row.disabled_at = self.clock()
                self.index.log_event(
                    session, EventType.ACCOUNT_DISABLED, Outcome.SUCCESS, agent,
                    detail={"account_id": row.id, "province": row.province_code},
                )  # fmt: skip
            return row

    # --- logging in and out --------------------------------------------------------------

    def login(self, username: str, password: str, client: str) -> tuple[Account, str]:
        """Check a password and start a new session: the account and the session's secret
        (for the cookie; only its hash is kept). A refusal is an `auth_failed` event."""
        name = username.strip().lower()
        with self.index.sessions() as session:
            row = session.scalar(select(Account).where(Account.username == name))
        if not self._password_matches(row, password[:MAX_PASSWORD]):
            self._refuse(row, client)
            raise LoginRefusedError()
        assert row is not None  # a match needs an account
        if row.disabled_at is not None:
            self._refuse(row, client)
            raise LoginRefusedError()
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        with self.index.session() as session:
            session.add(
                WebSession(
                    secret_sha256=_digest(secret), account_id=row.id,
                    csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen=now,
                )
            )  # fmt: skip
            self._rehash_if_weak(session, row, password)
            self.index.log_event(
                session, EventType.LOGGED_IN, Outcome.SUCCESS, agent_of(row), desk_id=row.desk_id,
                detail={"account_id": row.id, "client": client, "province": row.province_code},
            )  # fmt: skip
        return row, secret

    def _password_matches(self, row: Account | None, password: str) -> bool:
        """Verify against the account's hash, or a dummy one when there is no account, so both
        cost the same."""
        try:
            stored = row.password_hash if row is not None else self._dummy_hash()
            return bool(self.hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False

    @functools.cache  # noqa: B019 (one per Accounts, which lives as long as the app)
    def _dummy_hash(self) -> str:
        """A hash to verify against for names without an account (made once, when first
        needed: building `Accounts` stays cheap)."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def _rehash_if_weak(self, session: Session, row: Account, password: str) -> None:
        stored = session.get(Account, row.id)
        if stored is not None and self.hasher.check_needs_rehash(stored.password_hash):
            stored.password_hash = self.hasher.hash(password)

    def _refuse(self, row: Account | None, client: str) -> None:
        """A refused login, as an event: why, from where, which account (never the password
        nor a name that does not exist: a mistyped password in the name field is a secret)."""
        code = "account_unknown" if row is None else "password_wrong"
        if row is not None and row.disabled_at is not None:
            code = "account_disabled"
        detail: dict[str, object] = {"code": code, "client": client}
        if row is not None:
            detail |= {"account_id": row.id, "province": row.province_code}
        with self.index.session() as session:
            self.index.log_event(
                session, EventType.AUTH_FAILED, Outcome.FAILURE, ANONYMOUS, detail=detail
            )

    def session(self, secret: str, limits: SessionLimits) -> LiveSession | None:
        """The live session a cookie's secret stands for, or None (unknown, idle too long,
        too old, or its account disabled: an expired one is deleted on the way)."""
        now = self.clock()
        with self.index.session() as session:
            row = session.get(WebSession, _digest(secret))
            if row is None:
                return None
            account = session.get(Account, row.account_id)
            idle = (now - row.last_seen).total_seconds()
            age = (now - row.created_at).total_seconds()
            if (
                account is None
                or account.disabled_at is not None
                or idle > limits.idle_seconds
                or age > limits.max_seconds
            ):
                session.delete(row)
                return None
            if idle > limits.touch_every:
                row.last_seen = now
            return LiveSession(account, row.csrf_token, row.created_at)

    def logout(self, secret: str) -> None:
        """End the session (nothing happens for an unknown one)."""
        with self.index.session() as session:
            row = session.get(WebSession, _digest(secret))
            if row is None:
                return
            account = session.get(Account, row.account_id)
            session.delete(row)
            if account is not None:
                self.index.log_event(
                    session, EventType.LOGGED_OUT, Outcome.SUCCESS, agent_of(account),
                    desk_id=account.desk_id,
                    detail={"account_id": account.id, "province": account.province_code},
                )  # fmt: skip


def agent_of(account: Account) -> str:
    return person_agent(account.username)


def person_agent(username: str) -> str:
    """How a person logged in to the desk UI appears in the event log."""
    return f"person:{username}"


def _checked_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "a username is 2 to 60 characters: letters a-z, digits, '.', '_' or '-', "
            f"starting with a letter or digit (not {username!r})"
        )
    return name


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters; a passphrase of "
            "several words is easy to remember and hard to guess"
        )


def operator_name_in_use(session: Session, name: str, province_code: str | None) -> bool:
    """Whether `name` already stands for someone who scans, for a new holder in
    `province_code`: a desk account's username, an active station token's name, or a revoked
    station's of another province. That name picks the key a scanned copy is signed with
    (`[operators]` of the signing configuration), so a second holder would sign as the first;
    a revoked station's name stays its province's (another province's admin had named a
    station after one revoked in 48 and signed its copies with 48's operator key)."""
    if session.scalar(select(Account.id).where(Account.username == name)) is not None:
        return True
    held = (ApiToken.revoked_at.is_(None)) | (
        ApiToken.province_code.is_distinct_from(province_code)
    )
    station = select(ApiToken.id).where(ApiToken.name == name, ApiToken.role == "station", held)
    return session.scalar(station.limit(1)) is not None
