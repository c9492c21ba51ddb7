"""What every route module shares: the services the app was built with, who is calling, the
id path parameter, and the province scoping that makes another province's record answer 404.

Who is calling: a refused token is an audit event (`Tokens.authenticate`) and a failure for
the limiter, keyed by the client address and by the token's first characters; a key with too
many recent failures gets 429 for every token that is not valid, with no event written
(`FailureLimiter`, per process), while a valid token is served. Behind a reverse proxy every
client shares the proxy's address: the per-address limit then covers them all.

Routes receive the services through a dependency (`ServicesDep`) rather than a closure, so a
route module is a plain module with an `APIRouter` and the app factory only wires them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hoso.api.auth import (
    FailureLimiter,
    NotAuthenticatedError,
    NotFoundError,
    Principal,
    Role,
    Tokens,
    TooManyFailuresError,
)
from hoso.settings import HosoSettings
from hoso.signatures.errors import ResultSigningNotConfiguredError
from hoso.signatures.profiles import CONFIG_ENV
from hoso.signatures.sign import ResultSigner
from hoso.signatures.verify import Verifier, configured_verifier
from hoso.storage.accounts import Accounts
from hoso.storage.archive import Archive
from hoso.storage.desks import Desks
from hoso.storage.intake import Intake
from hoso.storage.procedures import Catalogue, configured_catalogue
from hoso.storage.queries import Records
from hoso.storage.records import ArchivalRecords
from hoso.storage.results import IssuedResults
from hoso.storage.reuse import Reuse
from hoso.storage.schema import Batch, Document, ExtractedField
from hoso.storage.stats import Stats
from hoso.storage.upkeep import Upkeep
from hoso.storage.vocabulary import EventType
from hoso.workflows.queue import JobQueue
from hoso.workflows.results import ResultIssuer

READERS = (Role.OFFICER, Role.ARCHIVIST)
MAX_ID = 2**31 - 1  # the largest id either database stores; beyond it nothing can exist
RecordId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Scoped = TypeVar("Scoped", Batch, Document)


@dataclass
class Services:
    archive: Archive
    queue: JobQueue
    # Checks uploaded and archived signatures: against the signing configuration's trust roots,
    # or, without one, integrity and changes with trust unknown (as `hoso verify`)
    verifier: Verifier = field(default_factory=configured_verifier)
    limiter: FailureLimiter = field(default_factory=FailureLimiter)  # failed authentications
    # What each procedure's form takes (HOSO_PROCEDURES); loaded here so a bad file stops
    # `hoso serve` at start, not the first desk that prefills.
    procedures: Catalogue = field(default_factory=configured_catalogue)
    # Within how many days every object is checked (HOSO_FIXITY_PERIOD_DAYS): GET /fixity's
    # coverage is measured over it.
    fixity_period_days: int = field(
        default_factory=lambda: HosoSettings.from_environment().fixity_period_days
    )
    # Signs the results desks issue (`[results]` profile); None: issuing answers 503.
    result_signer: ResultSigner | None = None

    def __post_init__(self) -> None:
        self.intake = Intake(self.archive)
        self.accounts = Accounts(self.archive.index)  # people of the desk UI, their sessions
        self.reuse = Reuse(self.archive.index)
        self.tokens = Tokens(self.archive.index)
        self.desks = Desks(self.archive.index)  # one-stop counters tokens and accounts name
        self.records = Records(self.archive)
        self.archival = ArchivalRecords(self.archive)  # records metadata (Circular 05/2025)
        self.upkeep = Upkeep(self.archive)  # fixity status (the scheduled sampling's)
        self.stats = Stats(self.archive.index)  # reuse accounting (Decision 766)
        self.results = IssuedResults(self.archive)  # results issued electronically

    def result_issuer(self) -> ResultIssuer:
        """The issuer of results, or the 503 problem that says how to configure one."""
        if self.result_signer is None:
            raise ResultSigningNotConfiguredError(
                "results are not signed on this server: an administrator must set "
                f'{CONFIG_ENV} to a signing configuration with [results] profile = "<profile>"'
            )
        return ResultIssuer(self.results, self.result_signer)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(services_of)]

bearer = HTTPBearer(auto_error=False, description="An API token: `hoso token create`.")


TOKEN_KEY_LENGTH = 12  # "hoso_" and 7 characters: enough to tell guesses at one token apart


def caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller behind the bearer token. Keys with too many recent failures are refused
    first, so a guesser learns nothing more however fast it asks."""
    if credentials is None:
        raise NotAuthenticatedError()
    return authenticated(services, credentials.credentials, client_address(request))


def client_address(request: Request) -> str:
    """Where a request comes from, as failure limits and events key it."""
    return request.client.host if request.client else "unknown"


def authenticated(services: Services, token: str, address: str) -> Principal:
    """The caller a bearer token stands for, its failures counted per address and per token
    prefix (also asked by `hoso.api.senders` before an upload's body is read). A valid token
    is never held back: tokens are 256-bit random, so the limit slows a flood of guesses, and
    checked first it had locked every province's stations and officers behind one address (a
    proxy, Docker's NAT) out for a minute after twenty bad headers from anyone there."""
    keys = (f"address:{address}", f"token:{token[:TOKEN_KEY_LENGTH]}")
    try:
        services.limiter.check(*keys)
        limited: TooManyFailuresError | None = None
    except TooManyFailuresError as error:
        limited = error
    try:  # an indexed lookup of the token's hash; over the limit, a failure is not logged
        return services.tokens.authenticate(token, client=address, logged=limited is None)
    except NotAuthenticatedError:
        if limited is not None:
            raise limited from None
        services.limiter.fail(*keys)
        raise


Caller = Annotated[Principal, Depends(caller)]


def _in_province(row: Scoped | None, what: str, record_id: int, who: Principal) -> Scoped:
    """A record the caller may see; another province's answers like none."""
    if row is None or not who.may_see(row.province_code):
        raise NotFoundError(f"there is no {what} {record_id}")
    return row


def visible_batch(services: Services, batch_id: int, who: Principal) -> Batch:
    return _in_province(services.records.batch(batch_id), "batch", batch_id, who)


def visible_document(services: Services, document_id: int, who: Principal) -> Document:
    return _in_province(services.records.document(document_id), "document", document_id, who)


def visible_field(services: Services, field_id: int, who: Principal) -> ExtractedField:
    """A field the caller may see: its document is of the caller's province."""
    found = services.records.field_with_province(field_id)
    if found is None or not who.may_see(found[1]):
        raise NotFoundError(f"there is no field {field_id}")
    return found[0]


def audit(
    services: Services, who: Principal, event: EventType, document_id: int | None, **detail: Any
) -> None:
    """Log a read or check by the caller: who, from which desk, what (personal-data rules).
    The caller's province goes with it, so a province's admin sees its own events."""
    if who.province_code is not None:
        detail.setdefault("province", who.province_code)
    services.records.record_event(event, who.agent, document_id, who.desk_id, detail)
