"""Reading operations: narrowed to the actor's agency's operations, empty by default.

Rule (access-policy.md, "Principals"): an agency takes part in an operation when the operation's plan
lists it; a user whose agency is not on the plan does not see that the operation exists.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from haven.access.policies import Access, Compartment, Standing, allows, require
from haven.accounts.models import User
from haven.core.errors import NotFound
from haven.operations.models import Operation, OperationAgency, PlanVersion, RecordHolder
from haven.plans import Plan, parse_plan


def _live(actor: User) -> bool:
    """An account that is active, in an agency that is active: a deactivated agency has no live access."""
    return actor.is_active and actor.agency.is_active


def _with_standing_facts(operations: QuerySet[Operation], actor: User) -> QuerySet[Operation]:
    """The facts of the actor's standing on each operation, by subqueries: whether the plan lists the
    actor's agency (`listed`; `on_full_plan`: on `distribution.full_plan` too), and whether the agency
    holds records of its own there (`holds_records`). What each fact means is decided here alone."""
    listing = OperationAgency.objects.filter(operation=OuterRef("pk"), agency_id=actor.agency_id)
    holding = RecordHolder.objects.filter(operation=OuterRef("pk"), agency_id=actor.agency_id)
    return operations.annotate(
        listed=Exists(listing),
        on_full_plan=Exists(listing.filter(on_full_plan=True)),
        holds_records=Exists(holding),
    )


def operations_visible_to(actor: User) -> QuerySet[Operation]:
    """The operations whose plan lists the actor's agency, or where it keeps records of its own after the
    plan dropped it (none for an inactive account or agency). Each carries the facts of the actor's
    standing on it (`standing_on`), fetched in the same query."""
    if not _live(actor):
        return Operation.objects.none()
    return _with_standing_facts(Operation.objects.all(), actor).filter(Q(listed=True) | Q(holds_records=True))


def standing_on(actor: User, operation: Operation) -> Standing:
    """The actor's standing on an operation that `operations_visible_to(actor)` returned."""
    facts = cast(Any, operation)
    return standing_from(
        actor, listed=facts.listed, on_full_plan=facts.on_full_plan, holds_records=facts.holds_records
    )


def standing_from(actor: User, *, listed: bool, on_full_plan: bool, holds_records: bool) -> Standing:
    """The actor's standing from what is known of their agency on one operation: listed in its plan (and on
    `distribution.full_plan`), and whether it holds records of its own there. Lists that fetched these
    facts for many operations at once build each standing here, as `standing` does for one."""
    live = _live(actor)
    return Standing(
        user_id=actor.pk,
        agency_id=actor.agency_id,
        agency_type=actor.agency.type,
        on_operation=live and listed,
        on_full_plan=live and listed and on_full_plan,
        coordinator=actor.is_coordinator,
        retained=live and not listed and holds_records,
    )


def standing(actor: User, operation: Operation) -> Standing:
    """The actor's standing on the operation: on it or not, investigative or service, on the full plan —
    or, dropped from the plan, keeping its own records there (`retained`). One query."""
    facts = cast("QuerySet[Any]", _with_standing_facts(Operation.objects.filter(pk=operation.pk), actor))
    listed, on_full_plan, holds_records = facts.values_list("listed", "on_full_plan", "holds_records").get()
    return standing_from(actor, listed=listed, on_full_plan=on_full_plan, holds_records=holds_records)


def operation_for(actor: User, code: str) -> tuple[Operation, Standing]:
    """Fetch and authorise: the same NotFound whether the operation is missing or hidden. One query, the
    standing's facts included (every page and endpoint of an operation starts here, each 15-second poll
    too)."""
    operation = operations_visible_to(actor).filter(code=code).select_related("current_version").first()
    if operation is None:
        raise NotFound("No such operation.")
    return operation, standing_on(actor, operation)


def current_plan(operation: Operation) -> Plan:
    """The plan of the current version (the pure model)."""
    version = operation.current_version
    assert version is not None
    return plan_of(version)


def plan_of(version: PlanVersion) -> Plan:
    """The plan a stored version holds (the pure model)."""
    return _stored_plan(json.dumps(version.document))


@lru_cache(maxsize=64)
def _stored_plan(text: str) -> Plan:
    """`parse_plan` of a stored document's text, once per process for each text: the board reads the plan on
    every render (its owners of each step), and parsing it (~0.7 ms) cost more than the board's query of
    persons. Keyed by the whole text, so a changed document is parsed afresh, whoever changed it and
    however; the plan is immutable (frozen models of tuples), so sharing one is safe."""
    return parse_plan(text)


def plan_for(actor: User, operation: Operation, standing_: Standing) -> Plan:
    """The full plan, for those who may read it (investigative agencies on `distribution.full_plan`)."""
    require(standing_, Compartment.FULL_PLAN, Access.READ, hide=False)
    return current_plan(operation)


def versions_for(actor: User, operation: Operation, standing_: Standing) -> QuerySet[PlanVersion]:
    """The plan's versions and amendments belong to the full plan compartment."""
    require(standing_, Compartment.FULL_PLAN, Access.READ, hide=False)
    return operation.versions.select_related("author", "author__agency").order_by("-number")


def readers_on(
    operation: Operation,
    compartment: Compartment,
    *,
    owner: UUID | None = None,
    among: Iterable[User] | None = None,
) -> list[User]:
    """The active users (of `among`, or of every agency on the operation) whose standing on the operation
    lets them read `compartment` (of a record `owner` holds): whom a notification about it may reach. Rule
    (issue 14): a notification never tells anyone what the access policy hides from them."""
    listings = {listing.agency_id: listing for listing in OperationAgency.objects.filter(operation=operation)}
    holders = set(RecordHolder.objects.filter(operation=operation).values_list("agency_id", flat=True))
    if among is None:
        candidates: Iterable[User] = User.objects.filter(
            Q(agency_id__in=listings) | Q(agency_id__in=holders), is_active=True
        ).select_related("agency")
    else:
        candidates = among
    readers = []
    for user in candidates:
        listing = listings.get(user.agency_id)
        standing_ = standing_from(
            user,
            listed=listing is not None,
            on_full_plan=bool(listing and listing.on_full_plan),
            holds_records=user.agency_id in holders,
        )
        if allows(standing_, compartment, Access.READ, owner):
            readers.append(user)
    return readers
