"""Where each role lands and what its menu offers: only what that role may do.

A screen author adds a `MenuItem` here with the roles that may open it; the page's route
requires the same roles (`hoso.api.web.session.person_with`), so a link a role does not see is
also a page it cannot open (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from hoso.api.auth import Role
from hoso.api.web.i18n import N_

HOMES: dict[Role, str] = {
    Role.STATION: "/station",
    Role.OFFICER: "/officer",
    Role.ARCHIVIST: "/archivist",
    Role.ADMIN: "/admin",
}


@dataclass(frozen=True)
class MenuItem:
    path: str
    label: str  # English source text, translated in the template
    roles: frozenset[Role]

    def current(self, path: str) -> bool:
        """Whether the page at `path` belongs to this item (marked in the menu)."""
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


MENU: tuple[MenuItem, ...] = (
    MenuItem("/station", N_("Batches"), frozenset({Role.STATION})),
    MenuItem("/officer", N_("Records"), frozenset({Role.OFFICER})),
    MenuItem("/review", N_("Review"), frozenset({Role.OFFICER})),
    MenuItem("/archivist", N_("Archive"), frozenset({Role.ARCHIVIST})),
    MenuItem("/admin", N_("Administration"), frozenset({Role.ADMIN})),
)


def menu_for(role: Role) -> list[MenuItem]:
    return [item for item in MENU if role in item.roles]


def home_of(role: Role) -> str:
    return HOMES[role]
