"""What the checks read from a plan, indexed once per evaluation so that no rule scans the plan twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from haven.plans.addresses import normalise_address
from haven.plans.formats import (
    Agency,
    AgencyType,
    Anticipated,
    Plan,
    Population,
    Resource,
    ResourceKind,
    VictimServices,
)
from haven.readiness.policy import Policy


@dataclass(frozen=True, slots=True)
class Facts:
    """A plan, the policy, and the indexes the checks share."""

    plan: Plan
    policy: Policy
    agencies: Mapping[str, Agency]
    #: None when the plan does not say (no `anticipated` section, or no `persons` in it).
    persons: int | None
    populations: frozenset[Population]
    #: Anticipated languages besides English, each once, in the plan's order.
    languages: tuple[str, ...]
    victim_services: VictimServices
    providers: tuple[str, ...]
    resources: Mapping[ResourceKind, tuple[Resource, ...]]
    #: Normalised site address → the id of the first site at it.
    site_addresses: Mapping[str, str]
    channel_parties: frozenset[str]

    @classmethod
    def of(cls, plan: Plan, policy: Policy) -> Facts:
        anticipated = plan.anticipated or Anticipated()
        victim_services = plan.victim_services or VictimServices()
        resources: dict[ResourceKind, list[Resource]] = {}
        for resource in plan.resources:
            resources.setdefault(resource.kind, []).append(resource)
        site_addresses: dict[str, str] = {}
        for site in plan.sites:
            if site.address:
                site_addresses.setdefault(normalise_address(site.address), site.id)
        channels = plan.communications.channels if plan.communications else ()
        return cls(
            plan=plan,
            policy=policy,
            agencies={agency.id: agency for agency in plan.agencies},
            persons=anticipated.persons,
            populations=frozenset(anticipated.populations),
            languages=anticipated.languages_besides_english,
            victim_services=victim_services,
            providers=tuple(dict.fromkeys(victim_services.providers)),
            resources={kind: tuple(items) for kind, items in resources.items()},
            site_addresses=site_addresses,
            channel_parties=frozenset(party for channel in channels for party in channel.parties),
        )

    @property
    def starts_at(self) -> datetime:
        return self.plan.operation.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.plan.operation.ends_at

    def agency_type(self, agency_id: str | None) -> AgencyType | None:
        agency = self.agencies.get(agency_id) if agency_id else None
        return agency.type if agency else None

    def serving(self, kind: ResourceKind, population: Population) -> tuple[Resource, ...]:
        """The resources of this kind that serve this population (`all`, or no `serves`, serves everyone)."""
        return tuple(
            resource for resource in self.resources.get(kind, ()) if resource.serves_population(population)
        )
