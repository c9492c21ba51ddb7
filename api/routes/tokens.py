"""API tokens for admins: issue (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter

from hoso.api.auth import Role
from hoso.api.deps import Caller, RecordId, ServicesDep
from hoso.api.schemas import NewTokenOut, TokenIn, TokenOut, token_out

router = APIRouter(tags=["admin"])


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, who: Caller, services: ServicesDep) -> NewTokenOut:
    who.require(Role.ADMIN)
    row, token = services.tokens.create(
        body.name, body.role, body.province_code, who.agent, body.desk_id
    )
    return NewTokenOut(**token_out(row).model_dump(), token=token)


@router.get("/tokens")
def list_tokens(who: Caller, services: ServicesDep) -> list[TokenOut]:
    who.require(Role.ADMIN)
    return [token_out(t) for t in services.tokens.list()]


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: RecordId, who: Caller, services: ServicesDep) -> TokenOut:
    who.require(Role.ADMIN)
    return token_out(services.tokens.revoke(token_id, who.agent))
