"""The admin's screens: the people who log in to the desk UI, the API tokens, the audit log.

The rules are the API's, enforced by the same calls: a province's admin sees and manages its
province's accounts and tokens only (`Accounts.list/disable` and the token routes with its
province; another province's answers like a missing one) and can never make a global account
or token nor one of another province (`Principal.require_may_issue`, the check
`POST /api/v1/tokens` makes). A refused or invalid form comes back with its values and a
sentence saying why, not an error page: the admin is mid-task. A new token's secret is shown
once, in the answer to the form (never in a URL, and UI pages are `no-store`).

The audit log shows references only (`audit_event_out`, as `GET /api/v1/audit`), with filters
by type, agent, outcome and a range of days in Vietnam's time, newest first, paged back by id.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from hoso.api.auth import BadRequestError, ForbiddenError, Role
from hoso.api.deps import MAX_ID, RecordId, ServicesDep
from hoso.api.routes.tokens import create_token, list_tokens, revoke_token
from hoso.api.schemas import TokenIn, audit_event_out
from hoso.api.web.i18n import N_, TIMEZONE
from hoso.api.web.pages import pages_of
from hoso.api.web.routing import page_router
from hoso.api.web.session import AdminPerson, Person
from hoso.api.web.texts import OUTCOME_TEXTS
from hoso.desk_time import FIRST_DAY, a_desk_day
from hoso.errors import HosoError
from hoso.storage.accounts import MAX_PASSWORD, AccountError
from hoso.storage.vocabulary import EventType

router = page_router()

PEOPLE_PATH, TOKENS_PATH, AUDIT_PATH = "/admin", "/admin/tokens", "/admin/audit"
SECTIONS = (
    (PEOPLE_PATH, N_("People")),
    (TOKENS_PATH, N_("API tokens")),
    (AUDIT_PATH, N_("Audit log")),
)
AUDIT_PAGE = 50
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,59}$"  # `Accounts` lowers and checks it
PROVINCE_FIELD = r"^(\d{2})?$"  # empty: no province (an admin of every province)
DAY_FIELD = r"^(\d{4}-\d{2}-\d{2})?$"  # <input type="date">, empty: no bound
ONLY_OWN_PROVINCE = N_("An admin of a province creates accounts and tokens of that province only.")
ACCOUNT_RULES = N_(
    "A username has 2 to 60 characters (letters a-z, digits, '.', '_' or '-') and must not be "
    "taken; a password has at least 10 characters; every role but administrator needs an "
    "existing province."
)
TOKEN_RULES = N_("Every role but administrator needs an existing province (2 digits).")
REFUSALS: dict[type[HosoError], str] = {
    ForbiddenError: ONLY_OWN_PROVINCE,
    AccountError: ACCOUNT_RULES,
    BadRequestError: TOKEN_RULES,
}

ProvinceField = Annotated[str, Form(pattern=PROVINCE_FIELD)]


def _province(field: str) -> str | None:
    return field or None


def _render(
    request: Request,
    who: Person,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> Response:
    """An admin page with what every one of them shows: the section menu and the roles."""
    values = {"sections": SECTIONS, "roles": list(Role), "problem": None, **context}
    return pages_of(request).render(request, template, values, person=who, status_code=status_code)


def _refused(error: HosoError) -> str:
    """Why a form was refused, for the admin (the rule it broke)."""
    return next(text for kind, text in REFUSALS.items() if isinstance(error, kind))


# --- people --------------------------------------------------------------------------------


def _people_page(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    status_code: int = 200,
    **context: Any,
) -> Response:
    values = {
        "accounts": services.accounts.list(who.principal.province_code),
        "done": None,
        "entered": {},
        **context,
    }
    return _render(request, who, "admin/people.html", values, status_code)


@router.get(PEOPLE_PATH)
def people(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    created: Annotated[str | None, Query(max_length=60)] = None,
    disabled: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The accounts the admin manages, a form for a new one, and what was just done."""
    done = {"created": created, "disabled": disabled}
    return _people_page(request, who, services, done=done if created or disabled else None)


@router.post(PEOPLE_PATH)
def create_account(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    username: Annotated[str, Form(pattern=USERNAME_PATTERN)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
    role: Annotated[Role, Form()],
    province: ProvinceField = "",
) -> Response:
    entered = {"username": username, "role": role.value, "province": province}
    try:
        who.principal.require_may_issue(role, _province(province))
        account = services.accounts.create(
            username, password, role.value, _province(province), who.principal.agent
        )
    except (ForbiddenError, AccountError) as error:
        return _people_page(
            request, who, services, error.http_status, problem=_refused(error), entered=entered
        )
    query = urlencode({"created": account.username})
    return RedirectResponse(f"{PEOPLE_PATH}?{query}", status_code=303)


@router.post("/admin/people/{username}/disable")
def disable_account(
    who: AdminPerson,
    services: ServicesDep,
    username: Annotated[str, PathParam(pattern=USERNAME_PATTERN)],
) -> Response:
    """Disable an account (its sessions end at once); another province's is the 404 page."""
    account = services.accounts.disable(username, who.principal.agent, who.principal.province_code)
    query = urlencode({"disabled": account.username})
    return RedirectResponse(f"{PEOPLE_PATH}?{query}", status_code=303)


# --- API tokens ----------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    status_code: int = 200,
    **context: Any,
) -> Response:
    values = {
        "tokens": list_tokens(who.principal, services),
        "new_token": None,
        "revoked": None,
        "entered": {},
        **context,
    }
    return _render(request, who, "admin/tokens.html", values, status_code)


@router.get(TOKENS_PATH)
def tokens(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    revoked: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    return _tokens_page(request, who, services, revoked=revoked)


@router.post(TOKENS_PATH)
def new_token(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    name: Annotated[str, Form(min_length=1, max_length=120)],
    role: Annotated[Role, Form()],
    province: ProvinceField = "",
) -> Response:
    """Issue a token; the page answering the form is the only place its secret is shown."""
    body = TokenIn(name=name, role=role, province_code=_province(province))
    try:
        issued = create_token(body, who.principal, services)
    except (ForbiddenError, BadRequestError) as error:
        entered = {"name": name, "role": role.value, "province": province}
        return _tokens_page(
            request, who, services, error.http_status, problem=_refused(error), entered=entered
        )
    return _tokens_page(request, who, services, 201, new_token=issued)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(token_id: RecordId, who: AdminPerson, services: ServicesDep) -> Response:
    revoke_token(token_id, who.principal, services)
    return RedirectResponse(f"{TOKENS_PATH}?revoked={token_id}", status_code=303)


# --- audit log -----------------------------------------------------------------------------


def _day_start(day: str) -> dt.datetime | None:
    """The start of a day (`YYYY-MM-DD`) in Vietnam's time; None for no day."""
    if not day:
        return None
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as error:
        raise BadRequestError(f"{day!r} is not a day of the calendar") from error
    if not a_desk_day(date):
        raise BadRequestError(f"{day!r} is outside the days of any record ({FIRST_DAY.year}-…)")
    return dt.datetime.combine(date, dt.time(), tzinfo=TIMEZONE)


@router.get(AUDIT_PATH)
def audit_log(
    request: Request,
    who: AdminPerson,
    services: ServicesDep,
    event_type: Annotated[str, Query(max_length=40)] = "",
    agent: Annotated[str, Query(max_length=120)] = "",
    outcome: Annotated[str, Query(max_length=20)] = "",
    day_from: Annotated[str, Query(pattern=DAY_FIELD)] = "",
    day_to: Annotated[str, Query(pattern=DAY_FIELD)] = "",
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Who did what, newest first, filtered; the days are whole days in Vietnam's time."""
    last_day = _day_start(day_to)
    events = services.records.recent_events(
        AUDIT_PAGE,
        event_type or None,
        agent.strip() or None,
        before_id,
        province_code=who.principal.province_code,
        outcome=outcome or None,
        since=_day_start(day_from),
        until=last_day + dt.timedelta(days=1) if last_day else None,
    )
    filters = {
        "event_type": event_type, "agent": agent, "outcome": outcome,
        "day_from": day_from, "day_to": day_to,
    }  # fmt: skip
    older = None
    if len(events) == AUDIT_PAGE:
        older = f"{AUDIT_PATH}?{urlencode({**filters, 'before_id': events[-1].id})}"
    context = {
        "events": [audit_event_out(e) for e in events],
        "filters": filters,
        "event_types": list(EventType),
        "outcomes": list(OUTCOME_TEXTS),
        "older": older,
    }
    return _render(request, who, "admin/audit.html", context)
