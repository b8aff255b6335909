"""Every table of the application, imported in one place so that Alembic and tests see them all."""

from lanyan.accounts.models import AuthSession, LoginAttempt, User
from lanyan.core.audit import AuditLog
from lanyan.core.db import Base
from lanyan.dispatch.aliases import PlaceAlias
from lanyan.dispatch.models import Assignment, Incident, IncidentEvent, ResponsePlanRule
from lanyan.forces.models import Organization, Unit, WaterSource
from lanyan.iot.models import Device, DeviceAlarm, DeviceMessage, PushNonce
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
from lanyan.system.models import SystemSetting

# issue 17 (enforcement, campaigns, outreach)
from lanyan.enforcement.models import (
    Case as EnforcementCase,
    Document as EnforcementDocument,
    DocumentCounter as EnforcementCounter,
    DocumentTemplate as EnforcementTemplate,
    InspectionRecord as EnforcementInspection,
    Payment as EnforcementPayment,
    Penalty as EnforcementPenalty,
    Plan as EnforcementPlan,
    PlanItem as EnforcementPlanItem,
    Seal as EnforcementSeal,
)
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
# issue 18 (risk)
from lanyan.risk.models import CellRisk, PremisesRisk, RiskRun, RiskWarning
# issue 19 (command)
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
from lanyan.command import combat_fill  # noqa: F401  (registers the 作战编成 plan-line filler)
from lanyan.command.preplan_models import PrePlan, PrePlanVersion
from lanyan.command.scene_models import ScenePosting, SceneReport
# issue 20 (duty)
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
from lanyan.forces.crew import CrewMinimum

__all__ = [
    "Assignment",
    "AuditLog",
    "AuthSession",
    "Base",
    "Campaign",
    "Device",
    "DeviceAlarm",
    "DeviceMessage",
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
    "PlaceAlias",
    "Premises",
    "PushNonce",
    "ResponsePlanRule",
    "SupervisedListing",
    "SystemSetting",
    "Unit",
    "Upload",
    "User",
    "WaterSource",
    # issue 17
    "CampaignDirective",
    "CampaignMeasure",
    "CampaignMeasureKind",
    "CampaignTarget",
    "CampaignTopic",
    "CampaignWorkItem",
    "ListingPremises",
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
    "EducationActivity",
    "EducationBase",
    "Volunteer",
    "VolunteerTeam",
    # issue 18
    "CellRisk",
    "PremisesRisk",
    "RiskRun",
    "RiskWarning",
    # issue 19
    "CombatUnit",
    "CombatUnitMember",
    "IncidentFacts",
    "IncidentReview",
    "InfoReport",
    "InfoReportMessage",
    "InfoReportReceipt",
    "ReinforcementRequest",
    "ReportRule",
    "PrePlan",
    "PrePlanVersion",
    "ScenePosting",
    "SceneReport",
    # issue 20
    "Assessment",
    "AssessmentResult",
    "CrewMinimum",
    "Declaration",
    "DeclaredSeat",
    "DeclaredVehicle",
    "DutyLog",
    "Person",
    "RoutineTemplate",
    "SafetyGridNode",
    "Supervision",
    "SupervisionFinding",
    "TrainingAttendance",
    "TrainingPlan",
    "TrainingSession",
]
