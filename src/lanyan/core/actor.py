"""Who is acting: passed to every service function so it can check role and jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass

from lanyan.core.errors import Forbidden
from lanyan.core.permissions import Action, Role, allowed


@dataclass(frozen=True, slots=True)
class Actor:
    """The user behind a request or a CLI command.

    ``org_path`` is the materialized path of the user's organization ("/1/4/9/"); the user sees the
    records of every organization whose path starts with it (their subtree).
    """

    user_id: int | None
    username: str
    role: Role
    org_id: int | None
    org_path: str
    ip: str | None = None
    display_name: str | None = None
    """The person's name (王建国): what timelines show; ``username`` is the login."""

    def require(self, action: Action) -> None:
        """Raise :class:`Forbidden` unless the role allows ``action``."""
        if not allowed(self.role, action):
            raise Forbidden(
                f"您的角色（{self.role.zh}）无权执行此操作",
                f"your role ({self.role.en}) may not do this ({action.value})",
            )

    def covers(self, org_path: str | None) -> bool:
        """Whether an organization with ``org_path`` lies inside this actor's jurisdiction."""
        return org_path is not None and org_path.startswith(self.org_path)


SYSTEM = Actor(user_id=None, username="system", role=Role.ADMIN, org_id=None, org_path="/")
"""The CLI and the demo loader act as this actor: it sees everything, and the audit says so."""
