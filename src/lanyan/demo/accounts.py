"""Demo accounts: one user per role, placed in the demo detachment.

A demo is only useful if someone can log in as each kind of user and see that user's screens and
jurisdiction. :func:`ensure_demo_accounts` creates the accounts that are missing and returns their
passwords once, for the CLI to print. An account that already exists is left as it is, password
included, so running the demo again never locks out whoever is using it; only when asked
(``reset_passwords=True``, ``lanyan demo --reset-passwords``) does it get a new password and its
role, organization and active flag back. Passwords are random (never derived from the seed) and
only their argon2 hashes are stored; a reset revokes the account's open sessions. Accounts are
written through :mod:`lanyan.accounts.service` as :data:`~lanyan.core.actor.SYSTEM`, so each
creation or reset is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts.models import User
from lanyan.accounts.passwords import generate_password
from lanyan.accounts.schemas import UserCreate, UserUpdate
from lanyan.accounts.service import create_user, update_user
from lanyan.core.actor import SYSTEM
from lanyan.core.db import transaction
from lanyan.core.errors import NotFound
from lanyan.core.permissions import Role
from lanyan.forces.choices import OrgKind
from lanyan.forces.models import Organization

DETACHMENT = "demo:detachment"
OBERLAND = "demo:brigade:oberland"
UNTERLAND = "demo:brigade:unterland"
STATION = "special_station"
"""Marker: the account sits at the demo's special-service station (its id comes from OSM)."""

DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str], ...] = (
    ("demo_admin", "演示管理员", Role.ADMIN, DETACHMENT),
    ("demo_dispatcher", "演示调度员", Role.DISPATCHER, DETACHMENT),
    ("demo_commander", "演示值班指挥员", Role.COMMANDER, DETACHMENT),
    ("demo_station", "演示特勤站执勤员", Role.STATION, STATION),
    ("demo_prevention", "演示防火监督员", Role.PREVENTION, OBERLAND),
    ("demo_grid", "演示网格员", Role.GRID, OBERLAND),
    ("demo_leader", "演示支队领导", Role.LEADER, DETACHMENT),
    ("demo_admin_unterland", "演示下区大队管理员", Role.ADMIN, UNTERLAND),
)
"""(username, display name, role, organization) of every demo account."""


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account and its password, shown once and never stored in plain text."""

    username: str
    password: str | None
    """The new password; ``None`` when the account existed and kept its password."""
    role: Role
    org_name: str
    display_name: str
    created: bool
    """``False`` when the account existed already."""
    reset: bool = False
    """``True`` when an existing account was given a new password."""


def _organization(session: Session, where: str) -> Organization:
    if where == STATION:
        org = session.scalar(
            select(Organization)
            .where(Organization.external_id.startswith("demo:station:"))
            .where(Organization.kind == OrgKind.SPECIAL_STATION)
            .order_by(Organization.external_id)
        )
    else:
        org = session.scalar(select(Organization).where(Organization.external_id == where))
    if org is None:
        raise NotFound(
            "演示城市尚未加载，请先运行 lanyan demo load",
            f"the demo city is not loaded (no organization {where}); run `lanyan demo load` first",
        )
    return org


def ensure_demo_accounts(
    session_factory: sessionmaker[Session], *, seed: int, reset_passwords: bool = False
) -> list[DemoAccount]:
    """Create the demo accounts that are missing; reset existing ones only when asked.

    Parameters
    ----------
    session_factory
        Sessions on a database where :func:`lanyan.demo.city.load_demo` has run.
    seed
        The demo seed. Accepted so the CLI passes one seed to every demo step; the accounts'
        names and places are fixed and their passwords are deliberately *not* seeded.
    reset_passwords
        Give every existing demo account a new password (and its demo role, organization and
        active flag back), revoking its open sessions. By default an existing account is left
        untouched, so people logged in with the printed passwords keep working.

    Returns
    -------
    list[DemoAccount]
        One entry per account (one per role, plus an administrator of the Unterland brigade for
        jurisdiction demos), with the password when it was created or reset, else ``None``.

    Raises
    ------
    lanyan.core.errors.NotFound
        When the demo organizations are missing.
    """
    del seed  # passwords must never be reproducible from a public seed
    accounts: list[DemoAccount] = []
    with transaction(session_factory) as session:
        for username, display_name, role, where in DEMO_ACCOUNTS:
            org = _organization(session, where)
            existing = session.scalar(select(User).where(User.username == username))
            password: str | None = None
            if existing is None:
                password = generate_password(username=username)
                create_user(
                    session,
                    actor=SYSTEM,
                    data=UserCreate(
                        username=username,
                        display_name=display_name,
                        role=role,
                        organization_id=org.id,
                        password=password,
                    ),
                )
            elif reset_passwords:
                password = generate_password(username=username)
                update_user(
                    session,
                    actor=SYSTEM,
                    user_id=existing.id,
                    data=UserUpdate(
                        display_name=display_name,
                        role=role,
                        organization_id=org.id,
                        is_active=True,
                        password=password,
                    ),
                )
            kept = existing is not None and password is None
            accounts.append(
                DemoAccount(
                    username=username,
                    password=password,
                    role=existing.role if kept and existing else role,
                    org_name=existing.organization.name if kept and existing else org.name,
                    display_name=existing.display_name if kept and existing else display_name,
                    created=existing is None,
                    reset=existing is not None and password is not None,
                )
            )
    return accounts
