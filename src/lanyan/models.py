"""Every table of the application, imported in one place so that Alembic and tests see them all."""

from lanyan.accounts.models import AuthSession, LoginAttempt, User
from lanyan.command import combat_fill  # noqa: F401  (registers the 作战编成 plan-line filler)
from lanyan.command.combat_models import (
    CombatUnit,
    CombatUnitMember,
    IncidentFacts,
    IncidentReview,
    InfoReport,
    InfoReportMessage,
    InfoReportReceipt,
    ReinforcementRequest,
    ReportRule,
)
from lanyan.command.preplan_models import PrePlan, PrePlanVersion
from lanyan.command.scene_models import ScenePosting, SceneReport
from lanyan.core.audit import AuditLog
from lanyan.core.db import Base
from lanyan.dispatch.aliases import PlaceAlias
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent, ResponsePlanRule
from lanyan.duty.models import (
    Assessment,
    AssessmentResult,
    Declaration,
    DeclaredSeat,
    DeclaredVehicle,
    DutyLog,
    Person,
    RoutineTemplate,
    SafetyGridNode,
    Supervision,
    SupervisionFinding,
    TrainingAttendance,
    TrainingPlan,
    TrainingSession,
)
from lanyan.enforcement.models import (
    Case as EnforcementCase,
)
from lanyan.enforcement.models import (
    Document as EnforcementDocument,
)
from lanyan.enforcement.models import (
    DocumentCounter as EnforcementCounter,
)
from lanyan.enforcement.models import (
    DocumentTemplate as EnforcementTemplate,
)
from lanyan.enforcement.models import (
    InspectionRecord as EnforcementInspection,
)
from lanyan.enforcement.models import (
    Payment as EnforcementPayment,
)
from lanyan.enforcement.models import (
    Penalty as EnforcementPenalty,
)
from lanyan.enforcement.models import (
    Plan as EnforcementPlan,
)
from lanyan.enforcement.models import (
    PlanItem as EnforcementPlanItem,
)
from lanyan.enforcement.models import (
    Seal as EnforcementSeal,
)
from lanyan.forces.crew import CrewMinimum
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.iot.models import Device, DeviceAlarm, DeviceMessage, PushNonce
from lanyan.outreach.models import EducationActivity, EducationBase, Volunteer, VolunteerTeam
from lanyan.prevention.campaign_models import (
    CampaignDirective,
    CampaignMeasure,
    CampaignMeasureKind,
    CampaignTarget,
    CampaignTopic,
    CampaignWorkItem,
    ListingPremises,
)
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
from lanyan.risk.models import CellRisk, PremisesRisk, RiskRun, RiskWarning
from lanyan.system.models import SystemSetting

__all__ = [
    "Assessment",
    "AssessmentResult",
    "Assignment",
    "AuditLog",
    "AuthSession",
    "Base",
    "Campaign",
    "CampaignDirective",
    "CampaignMeasure",
    "CampaignMeasureKind",
    "CampaignTarget",
    "CampaignTopic",
    "CampaignWorkItem",
    "CellRisk",
    "CombatUnit",
    "CombatUnitMember",
    "CrewMinimum",
    "Declaration",
    "DeclaredSeat",
    "DeclaredVehicle",
    "Device",
    "DeviceAlarm",
    "DeviceMessage",
    "DutyLog",
    "EducationActivity",
    "EducationBase",
    "EnforcementCase",
    "EnforcementCounter",
    "EnforcementDocument",
    "EnforcementInspection",
    "EnforcementPayment",
    "EnforcementPenalty",
    "EnforcementPlan",
    "EnforcementPlanItem",
    "EnforcementSeal",
    "EnforcementTemplate",
    "Grid",
    "GridMember",
    "Hazard",
    "Incident",
    "IncidentEvent",
    "IncidentFacts",
    "IncidentReview",
    "InfoReport",
    "InfoReportMessage",
    "InfoReportReceipt",
    "Inspection",
    "ListingPremises",
    "LoginAttempt",
    "Organization",
    "PatrolTask",
    "PatrolVisit",
    "Person",
    "PlaceAlias",
    "PrePlan",
    "PrePlanVersion",
    "Premises",
    "PremisesRisk",
    "PushNonce",
    "ReinforcementRequest",
    "ReportRule",
    "ResponsePlanRule",
    "RiskRun",
    "RiskWarning",
    "RoutineTemplate",
    "SafetyGridNode",
    "ScenePosting",
    "SceneReport",
    "SupervisedListing",
    "Supervision",
    "SupervisionFinding",
    "SystemSetting",
    "TrainingAttendance",
    "TrainingPlan",
    "TrainingSession",
    "Unit",
    "Upload",
    "User",
    "Volunteer",
    "VolunteerTeam",
    "WaterSource",
]
