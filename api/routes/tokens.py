"""API tokens for admins: issue (the secret is shown once), list, revoke.

A province admin manages its own province's tokens only (`Principal.require_may_issue`,
province-filtered list and revoke): it cannot mint a global token or one of another province,
and another province's token answers 404 like a missing one. The global admin manages all.
"""

from __future__ import annotations

from fastapi import APIRouter

from hoso.api.auth import Role
from hoso.api.deps import Caller, RecordId, ServicesDep
from hoso.api.schemas import NewTokenOut, TokenIn, TokenOut, token_out

router = APIRouter(tags=["admin"])


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, who: Caller, services: ServicesDep) -> NewTokenOut:
    who.require(Role.ADMIN)
    who.require_may_issue(body.role, body.province_code)
    row, token = services.tokens.create(
        body.name, body.role, body.province_code, who.agent, body.desk_id
    )
    return NewTokenOut(**token_out(row).model_dump(), token=token)


@router.get("/tokens")
def list_tokens(who: Caller, services: ServicesDep) -> list[TokenOut]:
    """The tokens the caller manages: its province's, or all for the global admin."""
    who.require(Role.ADMIN)
    return [token_out(t) for t in services.tokens.list(who.province_code)]


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: RecordId, who: Caller, services: ServicesDep) -> TokenOut:
    who.require(Role.ADMIN)
    return token_out(services.tokens.revoke(token_id, who.agent, who.province_code))
