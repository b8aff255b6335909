"""Choices of campaigns (专项整治), their 交办单 and supervised listing (挂牌督办) kinds.

Kept apart from :mod:`lanyan.prevention.choices` so that the campaign and listing work does not
edit the module the rest of prevention shares.
"""

from __future__ import annotations

from lanyan.core.choices import Choice


class DirectiveStatus(Choice):
    """A 交办单: issued → replied → accepted (办结); a reply can be sent back; withdrawn."""

    ISSUED = ("issued", "已交办", "Issued", "#ef6c00")
    REPLIED = ("replied", "已回复", "Replied", "#1565c0")
    RETURNED = ("returned", "退回重办", "Returned", "#c62828")
    ACCEPTED = ("accepted", "已办结", "Accepted", "#2e7d32")
    WITHDRAWN = ("withdrawn", "已撤回", "Withdrawn", "#9e9e9e")

    @property
    def awaits_reply(self) -> bool:
        """Whether the recipient still owes a reply."""
        return self in (DirectiveStatus.ISSUED, DirectiveStatus.RETURNED)


DIRECTIVE_TRANSITIONS: dict[DirectiveStatus, frozenset[DirectiveStatus]] = {
    DirectiveStatus.ISSUED: frozenset({DirectiveStatus.REPLIED, DirectiveStatus.WITHDRAWN}),
    DirectiveStatus.REPLIED: frozenset({DirectiveStatus.ACCEPTED, DirectiveStatus.RETURNED}),
    DirectiveStatus.RETURNED: frozenset({DirectiveStatus.REPLIED, DirectiveStatus.WITHDRAWN}),
    DirectiveStatus.ACCEPTED: frozenset(),
    DirectiveStatus.WITHDRAWN: frozenset(),
}
"""Legal moves of a 交办单. A reply the issuer finds wanting goes back (RETURNED) and is answered
again; an accepted or withdrawn order is final."""


class ListingKind(Choice):
    """What is listed for supervision (挂牌督办)."""

    MAJOR = ("major", "重大火灾隐患", "Major fire hazard", "#c62828")
    PROMINENT = ("prominent", "突出火灾隐患", "Prominent fire hazard", "#ef6c00")
    AREA = ("area", "区域性火灾隐患", "Area fire hazard", "#6a1b9a")


class ListingLister(Choice):
    """Who lists it: the people's government of the level, or the fire-rescue agency."""

    GOVERNMENT = ("government", "人民政府", "People's government", "#4a148c")
    FIRE_DEPARTMENT = ("fire_department", "消防救援机构", "Fire-rescue agency", "#1565c0")
