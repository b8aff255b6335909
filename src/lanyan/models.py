"""Every table of the application, imported in one place so that Alembic and tests see them all."""

from lanyan.accounts.models import AuthSession, LoginAttempt, User
from lanyan.core.audit import AuditLog
from lanyan.core.db import Base
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent, ResponsePlanRule
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.prevention.models import Premises

__all__ = [
    "Assignment",
    "AuditLog",
    "AuthSession",
    "Base",
    "Incident",
    "IncidentEvent",
    "LoginAttempt",
    "Organization",
    "Premises",
    "ResponsePlanRule",
    "Unit",
    "User",
    "WaterSource",
]
