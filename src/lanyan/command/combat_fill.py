"""Fill a plan line that asks for a combat unit (作战编成) with a whole one, or explain why not.

A response plan line ``{"label": "灭火攻坚编成", "combat_unit": "灭火攻坚编成", "count": 1}`` asks
for one group of that kind; the other lines of the plan (the "N" of "3 + N") are single vehicles.
For each group asked for, the combat units of that kind whose every vehicle is dispatchable are
compared by when their LAST vehicle arrives (the group fights together); the own brigade's is
taken while it arrives within the standard, otherwise the fastest (跨大队). When no whole group is
available the line falls back to single vehicles of the group's types (from the first group of
that kind on record), each reason saying so. Importing this module registers the filler with
:data:`lanyan.dispatch.recommend.LINE_FILLERS` (lanyan.models imports it), so dispatch imports
nothing of the command domain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.command.combat_models import CombatUnit
from lanyan.core.standards import standards
from lanyan.dispatch import recommend as rec
from lanyan.planning.coverage import CoverageThresholds, Zone

PASSED_KEYS = ("full_crew", "min_water_l", "allow_micro_station")
"""Capabilities of the combat line that its single-vehicle fallback keeps."""


def _groups(session: Session, kind: str) -> list[CombatUnit]:
    return list(
        session.scalars(
            select(CombatUnit)
            .where(CombatUnit.kind == kind, CombatUnit.is_active)
            .order_by(CombatUnit.id)
        )
    )


def _whole(
    group: CombatUnit, by_id: dict[int, rec.Candidate], used: set[int]
) -> list[rec.Candidate] | None:
    """The group's candidates when every vehicle can go now, else None."""
    out = []
    for member in group.members:
        cand = by_id.get(member.unit_id)
        if cand is None or member.unit_id in used:
            return None
        out.append(cand)
    return out or None


def fill_combat_line(
    session: Session,
    req: dict[str, Any],
    ranked: list[rec.Candidate],
    used: set[int],
    *,
    own_brigade_id: int | None,
    zone: Zone,
    building_height_m: float | None,
) -> rec.Fill:
    """Fill ``req`` (a combat-unit line) with whole groups, then single vehicles; see the module."""
    kind = str(req["combat_unit"])
    label = str(req["label"])
    wanted = int(req["count"])
    threshold_s = CoverageThresholds.from_standards(standards()).per_zone()[zone]
    groups = _groups(session, kind)
    by_id = {c.unit.id: c for c in ranked}
    template = groups[0] if groups else None
    types = [m.unit.type.value for m in template.members] if template else []
    fill = rec.Fill(label, sorted(set(types)), 0)
    for slot in range(1, wanted + 1):
        options = []
        for group in groups:
            cands = _whole(group, by_id, used)
            if cands is not None:
                options.append((max(c.eta_s for c in cands), group, cands))
        options.sort(key=lambda o: o[0])
        own = [o for o in options if own_brigade_id is None or o[2][0].brigade_id == own_brigade_id]
        if own and own[0][0] <= threshold_s:
            choice = own[0]
        elif options:
            choice = options[0]
        else:
            _fallback(fill, req, slot, types, ranked, used, own_brigade_id, zone, building_height_m)
            continue
        last_s, group, cands = choice
        cross = own_brigade_id is not None and cands[0].brigade_id != own_brigade_id
        fill.count += len(cands)
        roster = "、".join(f"{m.role}{m.unit.call_sign}" for m in group.members)
        for member, cand in zip(group.members, cands, strict=True):
            used.add(cand.unit.id)
            parts = [
                f"{label}第{slot}组：{group.name}整建制出动（{roster}）",
                f"本车任务{member.role}",
                f"预计{rec.fmt_eta(cand.eta_s)}到场，编成{rec.fmt_eta(last_s)}全部到场",
            ]
            if cross:
                parts.append(f"本大队无完整{kind}能在{rec.fmt_eta(threshold_s)}内到场，跨大队调派")
            fill.picks.append(rec.Pick(cand, label, cross, "；".join(parts)))
    return fill


def _fallback(
    fill: rec.Fill,
    req: dict[str, Any],
    slot: int,
    types: list[str],
    ranked: list[rec.Candidate],
    used: set[int],
    own_brigade_id: int | None,
    zone: Zone,
    building_height_m: float | None,
) -> None:
    """Single vehicles of the group's types for one group that could not go whole."""
    kind = str(req["combat_unit"])
    if not types:
        fill.count += 1  # nothing on record says what the group holds: one slot, unfilled
        return
    why = f"无完整可用的{kind}（编成车辆不全或已出动），按编成车型单车补齐"
    fill.count += len(types)
    for unit_type in types:
        line = {"label": str(req["label"]), "unit_types": [unit_type], "count": 1}
        line.update({k: req[k] for k in PASSED_KEYS if req.get(k)})
        free = [c for c in ranked if c.unit.id not in used]
        (single,) = rec.fill_plan(
            [line],
            free,
            own_brigade_id=own_brigade_id,
            zone=zone,
            building_height_m=building_height_m,
        )
        for pick in single.picks:
            used.add(pick.candidate.unit.id)
            pick.reason = f"{req['label']}第{slot}组：{why}；{pick.reason}"
            fill.picks.append(pick)


rec.LINE_FILLERS["combat_unit"] = fill_combat_line
