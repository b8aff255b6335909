"""Every table of the application, imported in one place so that Alembic and tests see them all."""

from lanyan.accounts.models import AuthSession, LoginAttempt, User
from lanyan.core.audit import AuditLog
from lanyan.core.db import Base
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent, ResponsePlanRule
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.prevention.models import (
    Campaign,
    Grid,
    GridMember,
    Hazard,
    Inspection,
    PatrolTask,
    PatrolVisit,
    Premises,
    SupervisedListing,
    Upload,
)

__all__ = [
    "Assignment",
    "AuditLog",
    "AuthSession",
    "Base",
    "Campaign",
    "Grid",
    "GridMember",
    "Hazard",
    "Incident",
    "IncidentEvent",
    "Inspection",
    "LoginAttempt",
    "Organization",
    "PatrolTask",
    "PatrolVisit",
    "Premises",
    "ResponsePlanRule",
    "SupervisedListing",
    "Unit",
    "Upload",
    "User",
    "WaterSource",
]
