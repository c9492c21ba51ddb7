"""API tokens and roles.

Roles (issue 5): station (upload into batches of its own province), officer (read and reuse
records of its own province: records are retrievable from any desk of the province), archivist
(verify, fixity, export; reads content, changes nothing), admin (tokens and the audit log; no
personal content). A record of another province answers 404, as if it did not exist.

Tokens are `hoso_` + 43 url-safe characters (256 random bits). Only their SHA-256 is stored:
for a secret of that entropy a fast hash is as strong as a slow one, and each request is
checked with one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from hoso.errors import HosoError
from hoso.storage.index import RecordIndex
from hoso.storage.schema import ApiToken, Desk, Province
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
    code = "bad_request"
    http_status = 400


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    role: Role
    province_code: str | None  # None only for admins of the whole installation
    desk_id: int | None

    @property
    def agent(self) -> str:
        """How this caller appears in the event log."""
        return f"{self.role.value}:{self.name}"

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise ForbiddenError(f"this needs the role {allowed}; this token is {self.role.value}")

    def may_see(self, province_code: str | None) -> bool:
        return self.province_code is None or self.province_code == province_code


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
            raise BadRequestError(f"a {role.value} token belongs to a province (2-digit code)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.index.session() as session:
            if province_code is not None and session.get(Province, province_code) is None:
                raise BadRequestError(f"there is no province with code {province_code!r}")
            if desk_id is not None and session.get(Desk, desk_id) is None:
                raise BadRequestError(f"there is no desk {desk_id}")
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

    def authenticate(self, token: str) -> Principal:
        if not token.startswith(TOKEN_PREFIX):
            raise NotAuthenticatedError()
        with self.index.sessions() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == digest(token)))
        if row is None or row.revoked_at is not None:
            raise NotAuthenticatedError("this API token is unknown or revoked")
        return Principal(row.id, row.name, Role(row.role), row.province_code, row.desk_id)

    def list(self) -> list[ApiToken]:
        with self.index.sessions() as session:
            return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))

    def revoke(self, token_id: int, agent: str) -> ApiToken:
        with self.index.session() as session:
            row = session.get(ApiToken, token_id)
            if row is None:
                raise NotFoundError(f"there is no token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = dt.datetime.now(dt.UTC)
                self.index.log_event(
                    session,
                    EventType.TOKEN_REVOKED,
                    Outcome.SUCCESS,
                    agent,
                    detail={"token_id": token_id},
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
