"""Group activities (集体活动): holiday visits, policy checks, campaigns, group sessions and
micro-projects, and which of them count as a contact with each participating household."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.cadence import ContactKind

TITLE_MAX = 40
PEOPLE_MAX = 100_000
HOUSEHOLDS_MAX = 500  # one activity; more is a typo or a whole district


class ActivityKind(StrEnum):
    """What kind of group activity it was."""

    HOLIDAY_VISIT = "holiday_visit"  # 节日走访慰问, in the home
    POLICY_CHECK = "policy_check"  # 政策核查, in the home
    CAMPAIGN = "campaign"  # 宣传活动 (普法、防疫…): reaches people, visits no one
    GROUP_SESSION = "group_session"  # 小组活动
    MICRO_PROJECT = "micro_project"  # 民生微实事


# Which programme obligation one activity satisfies for each household taking part. A holiday
# visit or policy check is done in the home, so it is that period's visit; a micro-project is a
# practical deed; campaigns and group sessions meet people outside the home and count as none.
_COUNTS_AS: dict[ActivityKind, ContactKind] = {
    ActivityKind.HOLIDAY_VISIT: ContactKind.VISIT,
    ActivityKind.POLICY_CHECK: ContactKind.VISIT,
    ActivityKind.MICRO_PROJECT: ContactKind.DEED,
}


def counts_as(kind: ActivityKind) -> ContactKind | None:
    """The contact an activity of this kind counts as for each household, if any."""
    return _COUNTS_AS.get(kind)


def toggle(chosen: list[int], item: int, allowed: set[int]) -> list[int] | None:
    """Add or remove one id from a multiple choice; None when the id is not on offer."""
    if item not in allowed:
        return None
    return [i for i in chosen if i != item] if item in chosen else [*chosen, item]
