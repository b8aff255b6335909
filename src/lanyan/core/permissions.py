"""Roles and what each may do. Jurisdiction (which records) is checked separately, in the query.

One table, so a reviewer can read the whole policy on one screen.
"""

from __future__ import annotations

from enum import StrEnum

from lanyan.core.choices import Choice


class Role(Choice):
    """Account roles (DESIGN.md, users), each with the full Chinese name a page shows."""

    ADMIN = ("admin", "系统管理员", "Administrator", "#b71c1c")
    DISPATCHER = ("dispatcher", "接警调度员", "Dispatcher", "#e65100")
    COMMANDER = ("commander", "值班指挥员", "Duty commander", "#f57f17")
    STATION = ("station", "消防救援站执勤员", "Station crew", "#1565c0")
    PREVENTION = ("prevention", "防火监督员", "Fire prevention officer", "#2e7d32")
    GRID = ("grid", "网格员", "Grid worker", "#00838f")
    LEADER = ("leader", "支队领导", "Leadership", "#4a148c")


class Action(StrEnum):
    """Things a role may be allowed to do."""

    READ = "read"
    ORG_WRITE = "forces.organization.write"
    UNIT_WRITE = "forces.unit.write"
    UNIT_STATUS = "forces.unit.status"
    WATER_WRITE = "forces.water_source.write"
    PREMISES_WRITE = "premises.write"
    IMPORT = "data.import"
    EXPORT = "data.export"
    USERS_MANAGE = "accounts.users.manage"
    AUDIT_READ = "audit.read"
    INCIDENT_WRITE = "dispatch.incident.write"
    INCIDENT_OVERRIDE = "dispatch.incident.override"
    """Mark an incident 已控制/已扑灭 before any unit is on scene, with a reason (commanders)."""
    PLAN_WRITE = "dispatch.plan.write"
    HAZARD_REPORT = "prevention.hazard.report"
    HAZARD_MANAGE = "prevention.hazard.manage"
    LISTING_MANAGE = "prevention.listing.manage"
    PATROL = "prevention.patrol"
    INSPECT = "prevention.inspect"
    GRID_WRITE = "prevention.grid.write"
    PREVENTION_DESK = "web.prevention_desk"
    """Open the prevention officer's desk page (leaders read it; acting on it needs the rest)."""
    DEVICE_WRITE = "iot.device.write"
    """Register, change and remove monitored devices (物联设备)."""
    IOT_DECIDE = "iot.alarm.decide"
    """Confirm or dismiss a device fire alarm (监控中心核警)."""
    # --- issue 17 (enforcement, campaigns, outreach) ---
    CAMPAIGN_MANAGE = "prevention.campaign.manage"
    """Set campaign targets and 工作清单, issue and settle 交办单 (and reply to those received)."""
    CAMPAIGN_CATALOGUE = "prevention.campaign.catalogue"
    """Edit campaign topics, their checklists and the measures counted (administrators)."""
    OUTREACH_RECORD = "outreach.activity.record"
    """Record an education activity held (stations and grid workers on the phone, officers)."""
    OUTREACH_MANAGE = "outreach.manage"
    """Correct or remove activities; keep education bases, volunteer teams and volunteers."""
    ENFORCE = "enforcement.write"
    """Plans, legal documents, temporary seals and administrative cases (监督执法)."""
    ENFORCE_TEMPLATES = "enforcement.templates"
    """Edit the text templates of the legal documents (administrators)."""
    ENFORCEMENT_DESK = "web.enforcement_desk"
    """Open the enforcement desk page (leaders read it; acting on it needs ENFORCE)."""
    # --- issue 18 (risk) ---
    RISK_SCORE = "risk.score"
    """Recompute the risk scores (a run also raises the early warnings its rules find)."""
    RISK_WARNING_HANDLE = "risk.warning.handle"
    """Sign for, handle and close an early warning (预警签收、处置、办结)."""
    RISK_DESK = "web.risk_desk"
    """Open the risk page (风险感知与预警): the map layers and the warning list."""
    # --- issue 19 (command) ---
    COMBAT_UNIT_WRITE = "command.combat_unit.write"
    """Keep a station's combat units (作战编成): their vehicles and roles."""
    REINFORCE = "command.reinforcement"
    """Ask another detachment for reinforcement, and accept or refuse such a request."""
    REPORT_WRITE = "command.report.write"
    """Record an incident's reportable facts and send its 信息报送 (首报/续报/终报)."""
    REPORT_RULE_WRITE = "command.report_rule.write"
    """Edit the 信息报送 rules and their recipients (administrators)."""
    REPORT_ACK = "command.report.ack"
    """Acknowledge a report received (签收)."""
    REVIEW_WRITE = "command.review.write"
    """Write and publish an incident's 战评 record."""
    COMMAND_DESK = "web.command_desk"
    """Open the command desk page (作战编成, 增援, 信息报送, 战评与案例库)."""
    PREPLAN_WRITE = "command.preplan.write"
    """Write and import a premises' pre-plan (灭火救援预案) and submit it for review."""
    PREPLAN_REVIEW = "command.preplan.review"
    """Approve, send back or flag a pre-plan (预案审核)."""
    SCENE_REPORT = "command.scene.report"
    """Send a report from the scene (现场报告) for a call one's unit is on."""
    SCENE_COMMAND = "command.scene.command"
    """Acknowledge scene reports and post units to sectors (战斗段)."""
    # --- issue 20 (duty) ---
    DUTY_ROSTER = "duty.roster.write"
    """Keep the roster (花名册): people, posts, licences, spreadsheet import."""
    DUTY_DECLARE = "duty.declare"
    """Declare a station's duty of the day, record roll calls and handovers (crew phone)."""
    DUTY_DRILL = "duty.drill"
    """Start a 拉动演练 (an incident flagged as a drill, dispatched for real)."""
    DUTY_TRAIN = "duty.training.write"
    """Plan training and record sessions with their attendees."""
    DUTY_ASSESS = "duty.assessment.write"
    """Set assessments and competitions, enter results, publish the ranking (网上公示)."""
    DUTY_SUPERVISE = "duty.supervision.write"
    """督察: inspect stations, record findings, verify and close their rectification."""
    DUTY_RECTIFY = "duty.finding.rectify"
    """Report a 督察 finding rectified (the station's answer)."""
    DUTY_MANAGE = "duty.manage"
    """Keep the daily routine templates, crew minimums and the 四级安全网格."""


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.DISPATCHER: frozenset(
        {Action.READ, Action.UNIT_STATUS, Action.EXPORT, Action.INCIDENT_WRITE, Action.IOT_DECIDE}
    ),
    Role.COMMANDER: frozenset(
        {
            Action.READ,
            Action.UNIT_STATUS,
            Action.EXPORT,
            Action.INCIDENT_WRITE,
            Action.INCIDENT_OVERRIDE,
            Action.IOT_DECIDE,
        }
    ),
    Role.STATION: frozenset(
        {Action.READ, Action.UNIT_STATUS, Action.WATER_WRITE, Action.HAZARD_REPORT, Action.PATROL}
    ),
    Role.PREVENTION: frozenset(
        {
            Action.READ,
            Action.PREMISES_WRITE,
            Action.EXPORT,
            Action.HAZARD_REPORT,
            Action.HAZARD_MANAGE,
            Action.LISTING_MANAGE,
            Action.PATROL,
            Action.INSPECT,
            Action.GRID_WRITE,
            Action.PREVENTION_DESK,
            Action.DEVICE_WRITE,
        }
    ),
    Role.GRID: frozenset({Action.READ, Action.HAZARD_REPORT, Action.PATROL}),
    Role.LEADER: frozenset({Action.READ, Action.EXPORT, Action.AUDIT_READ, Action.PREVENTION_DESK}),
}


GRANTS: dict[Action, frozenset[Role]] = {
    # --- issue 17 (enforcement, campaigns, outreach) ---
    Action.CAMPAIGN_MANAGE: frozenset({Role.PREVENTION}),
    Action.CAMPAIGN_CATALOGUE: frozenset(),
    Action.ENFORCE: frozenset({Role.PREVENTION}),
    Action.ENFORCEMENT_DESK: frozenset({Role.PREVENTION, Role.LEADER}),
    Action.OUTREACH_RECORD: frozenset({Role.STATION, Role.GRID, Role.PREVENTION}),
    Action.OUTREACH_MANAGE: frozenset({Role.PREVENTION}),
    # --- issue 18 (risk) ---
    Action.RISK_SCORE: frozenset({Role.PREVENTION}),
    Action.RISK_WARNING_HANDLE: frozenset(
        {Role.PREVENTION, Role.GRID, Role.STATION, Role.COMMANDER}
    ),
    Action.RISK_DESK: frozenset({Role.PREVENTION, Role.GRID, Role.COMMANDER, Role.LEADER}),
    # --- issue 19 (command) ---
    Action.COMBAT_UNIT_WRITE: frozenset({Role.COMMANDER, Role.STATION}),
    Action.REINFORCE: frozenset({Role.COMMANDER}),
    Action.REPORT_WRITE: frozenset({Role.COMMANDER, Role.DISPATCHER}),
    Action.REPORT_ACK: frozenset({Role.COMMANDER, Role.LEADER}),
    Action.REVIEW_WRITE: frozenset({Role.COMMANDER}),
    Action.COMMAND_DESK: frozenset({Role.COMMANDER, Role.DISPATCHER, Role.LEADER}),
    Action.PREPLAN_WRITE: frozenset({Role.PREVENTION, Role.STATION, Role.COMMANDER}),
    Action.PREPLAN_REVIEW: frozenset({Role.COMMANDER}),
    Action.SCENE_REPORT: frozenset({Role.STATION, Role.COMMANDER}),
    Action.SCENE_COMMAND: frozenset({Role.COMMANDER, Role.DISPATCHER}),
    # --- issue 20 (duty) ---
    Action.DUTY_ROSTER: frozenset({Role.STATION, Role.COMMANDER}),
    Action.DUTY_DECLARE: frozenset({Role.STATION, Role.COMMANDER}),
    Action.DUTY_DRILL: frozenset({Role.COMMANDER, Role.DISPATCHER}),
    Action.DUTY_TRAIN: frozenset({Role.STATION, Role.COMMANDER}),
    Action.DUTY_ASSESS: frozenset({Role.COMMANDER}),
    Action.DUTY_SUPERVISE: frozenset({Role.COMMANDER, Role.LEADER}),
    Action.DUTY_RECTIFY: frozenset({Role.STATION}),
    Action.DUTY_MANAGE: frozenset({Role.COMMANDER}),
}
"""Later domains' actions and the roles granted each (the administrator has every action)."""

for _action, _roles in GRANTS.items():
    for _role in _roles:
        ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {_action}


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may perform ``action`` (anywhere inside its jurisdiction)."""
    return action in ROLE_ACTIONS[role]


class Screen(StrEnum):
    """The web pages that need a login (lanyan.web.pages)."""

    CONSOLE = "console"
    CREW = "crew"
    DASHBOARD = "dashboard"
    ADMIN = "admin"
    GRID = "grid"
    PREVENTION = "prevention"
    # --- issue 17 (enforcement, campaigns, outreach) ---
    CAMPAIGNS = "campaigns"
    CAMPAIGN_PHONE = "campaign_phone"
    GB35181 = "gb35181"
    LISTINGS = "listings"
    ENFORCEMENT = "enforcement"
    INSPECT = "inspect"
    OUTREACH = "outreach"
    OUTREACH_PHONE = "outreach/phone"
    GOVERNANCE = "governance"
    RESOURCES = "resources"
    # --- issue 18 (risk) ---
    RISK = "risk"
    # --- issue 19 (command) ---
    COMMAND = "command"
    PREPLANS = "preplans"
    # --- issue 20 (duty) ---
    DUTY = "duty"
    DUTY_DESK = "strength"
    ASSESSMENTS = "assessments"


SCREEN_ACTIONS: dict[Screen, Action] = {
    Screen.CONSOLE: Action.READ,
    Screen.CREW: Action.READ,
    Screen.DASHBOARD: Action.READ,
    Screen.ADMIN: Action.USERS_MANAGE,
    Screen.GRID: Action.PATROL,
    Screen.PREVENTION: Action.PREVENTION_DESK,
    # --- issue 17 (enforcement, campaigns, outreach) ---
    Screen.CAMPAIGNS: Action.PREVENTION_DESK,
    Screen.CAMPAIGN_PHONE: Action.INSPECT,
    Screen.GB35181: Action.PREVENTION_DESK,
    Screen.LISTINGS: Action.PREVENTION_DESK,
    Screen.ENFORCEMENT: Action.ENFORCEMENT_DESK,
    Screen.INSPECT: Action.INSPECT,
    Screen.OUTREACH: Action.PREVENTION_DESK,
    Screen.OUTREACH_PHONE: Action.OUTREACH_RECORD,
    Screen.GOVERNANCE: Action.GRID_WRITE,
    Screen.RESOURCES: Action.ORG_WRITE,
    # --- issue 18 (risk) ---
    Screen.RISK: Action.RISK_DESK,
    # --- issue 19 (command) ---
    Screen.COMMAND: Action.COMMAND_DESK,
    Screen.PREPLANS: Action.PREPLAN_WRITE,
    # --- issue 20 (duty) ---
    Screen.DUTY: Action.DUTY_DECLARE,
    Screen.DUTY_DESK: Action.READ,
    Screen.ASSESSMENTS: Action.READ,
}
"""The action a role needs to open each page: the pages and the API read the same table."""


def may_open(role: Role, screen: Screen) -> bool:
    """Whether ``role`` may open the page ``screen`` (others get a 403 page)."""
    return allowed(role, SCREEN_ACTIONS[screen])


def screens_for(role: Role) -> list[Screen]:
    """The pages ``role`` may open, in menu order: the menu and the 403 check read one table."""
    return [screen for screen in Screen if may_open(role, screen)]
