"""The checks: one small pure function per rule of `rules.yaml`, in the same order.

Each check tests its not-applicable condition first; otherwise a missing or empty section or field fails
with a message naming it. A failure names every agency, population, language or field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from haven.plans.addresses import normalise_address
from haven.plans.formats import (
    INVESTIGATIVE_TYPES,
    LAW_ENFORCEMENT_TYPES,
    AgencyType,
    ConductedBy,
    Holds,
    OperationKind,
    Population,
    ResourceKind,
    Setting,
)
from haven.plans.languages import language_name
from haven.readiness.facts import Facts
from haven.readiness.rules import Outcome, check, failed, not_applicable, passed

REQUIRED_MOU_COVERS = ("confidentiality", "client_consent", "professional_obligations")
MOU_PARTY_TYPES = (AgencyType.VICTIM_SERVICE_PROVIDER, AgencyType.VICTIM_ATTORNEY)
LEGAL_REVIEW_POPULATIONS = (Population.MINOR, Population.FOREIGN_NATIONAL, Population.US_CITIZEN)
SHELTER_POPULATIONS = (Population.FEMALE, Population.MALE)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)


def _languages(codes: Iterable[str]) -> str:
    return ", ".join(f"{code} ({language_name(code)})" for code in codes)


def _at(moment: datetime) -> str:
    return moment.isoformat()


def _no_persons(facts: Facts) -> Outcome | None:
    if facts.persons == 0:
        return not_applicable("No persons are anticipated (anticipated.persons is 0).")
    return None


def _agency_kind(facts: Facts, agency_id: str) -> str:
    kind = facts.agency_type(agency_id)
    return f"{agency_id} ({kind.value})" if kind else agency_id


# -- roles ---------------------------------------------------------------------------------------------------


@check("roles.responsibilities")
def roles_responsibilities(facts: Facts) -> Outcome:
    missing = [
        agency.id
        for agency in facts.plan.agencies
        if not any(item.strip() for item in agency.responsibilities)
    ]
    if missing:
        return failed(f"Agencies without a responsibility: {_ids(missing)}")
    return passed(f"All {len(facts.plan.agencies)} agencies have at least one responsibility.")


@check("roles.points-of-contact")
def roles_points_of_contact(facts: Facts) -> Outcome:
    faults: list[str] = []
    for agency in facts.plan.agencies:
        contact = agency.contact
        if contact is None:
            faults.append(f"{agency.id} (no contact)")
            continue
        gaps = []
        if not contact.name:
            gaps.append("no name")
        if not (contact.phone or contact.email or contact.radio):
            gaps.append("no phone, email or radio")
        if gaps:
            faults.append(f"{agency.id} ({' and '.join(gaps)})")
    if faults:
        return failed(f"Agencies without a usable point of contact: {_ids(faults)}")
    return passed("Every agency names a contact who can be reached by phone, email or radio.")


@check("roles.lead-agency")
def roles_lead_agency(facts: Facts) -> Outcome:
    lead = facts.plan.operation.lead_agency
    kind = facts.agency_type(lead)
    if kind is None:
        return failed(f"operation.lead_agency {lead!r} names no agency of the plan")
    if kind not in LAW_ENFORCEMENT_TYPES:
        return failed(
            f"Lead agency {lead} is a {kind.value} agency, not law enforcement "
            "(law_enforcement or federal_law_enforcement)"
        )
    return passed(f"The lead agency {lead} is a {kind.value} agency.")


# -- communications and information sharing ------------------------------------------------------------------


@check("comms.mechanism")
def comms_mechanism(facts: Facts) -> Outcome:
    communications = facts.plan.communications
    if communications is None:
        return failed("There is no communications section (coordinator and channels)")
    faults: list[str] = []
    if not communications.coordinator:
        faults.append("communications.coordinator is missing")
    if not communications.channels:
        faults.append("communications.channels is empty")
    else:
        unreached = [agency.id for agency in facts.plan.agencies if agency.id not in facts.channel_parties]
        if unreached:
            faults.append(f"Agencies on no communication channel: {_ids(unreached)}")
    if faults:
        return failed(*faults)
    return passed(
        f"{communications.coordinator} coordinates, and each agency is on one of "
        f"{len(communications.channels)} channels."
    )


@check("mou.in-place")
def mou_in_place(facts: Facts) -> Outcome:
    mou = facts.plan.mou
    if mou is None:
        return failed("There is no mou section")
    faults: list[str] = []
    missing_covers = [item for item in REQUIRED_MOU_COVERS if item not in mou.covers]
    if missing_covers:
        faults.append(f"mou.covers lacks {_ids(missing_covers)}")
    lead = facts.plan.operation.lead_agency
    needed = [lead] + [
        agency.id for agency in facts.plan.agencies if agency.type in MOU_PARTY_TYPES and agency.id != lead
    ]
    missing_parties = [agency_id for agency_id in needed if agency_id not in mou.parties]
    if missing_parties:
        labels = [
            f"{agency_id} (lead agency)" if agency_id == lead else _agency_kind(facts, agency_id)
            for agency_id in missing_parties
        ]
        faults.append(f"mou.parties lacks {_ids(labels)}")
    starts_on = facts.starts_at.date()
    ends_on = facts.ends_at.date()
    if mou.signed_on is None:
        faults.append("mou.signed_on is missing")
    elif mou.signed_on > starts_on:
        faults.append(f"mou.signed_on {mou.signed_on} is after the operation starts ({starts_on})")
    if mou.expires_on is not None and mou.expires_on < ends_on:
        faults.append(f"mou.expires_on {mou.expires_on} is before the operation ends ({ends_on})")
    if faults:
        return failed(*faults)
    return passed(
        f"The MOU signed on {mou.signed_on} covers confidentiality, client consent and professional "
        "obligations, and binds the lead agency and every provider and victims' attorney."
    )


@check("sharing.need-to-know")
def sharing_need_to_know(facts: Facts) -> Outcome:
    distribution = facts.plan.distribution
    full_plan = set(distribution.full_plan) if distribution else set()
    service_briefing = set(distribution.service_briefing) if distribution else set()
    faults: list[str] = []
    if distribution is None:
        faults.append("There is no distribution section")
    left_out = [
        agency.id
        for agency in facts.plan.agencies
        if agency.id not in full_plan and agency.id not in service_briefing
    ]
    if left_out:
        faults.append(f"Agencies on neither distribution list: {_ids(left_out)}")
    oversharing = [
        f"{agency.id} ({agency.type.value})"
        for agency in facts.plan.agencies
        if agency.id in full_plan and agency.type not in INVESTIGATIVE_TYPES
    ]
    if oversharing:
        faults.append(f"Service agencies on distribution.full_plan: {_ids(oversharing)}")
    if faults:
        return failed(*faults)
    return passed(
        "Every agency is on a distribution list, and only investigative agencies get the full plan."
    )


# -- victim services -----------------------------------------------------------------------------------------


@check("services.partnered")
def services_partnered(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    if not facts.providers:
        return failed("victim_services.providers is empty: no victim service provider is a partner")
    wrong = [
        _agency_kind(facts, provider)
        for provider in facts.providers
        if facts.agency_type(provider) is not AgencyType.VICTIM_SERVICE_PROVIDER
    ]
    if wrong:
        return failed(f"Providers that are not victim_service_provider agencies: {_ids(wrong)}")
    return passed(f"Victim service providers partner in the action: {_ids(facts.providers)}.")


@check("services.off-site")
def services_off_site(facts: Facts) -> Outcome:
    if not facts.plan.sites:
        return not_applicable("The plan lists no enforcement sites.")
    staging = facts.victim_services.staging
    if staging is None:
        return failed("victim_services.staging is missing")
    if not staging.address:
        return failed("victim_services.staging.address is missing: it cannot be compared with the sites")
    site = facts.site_addresses.get(normalise_address(staging.address))
    if site is not None:
        return failed(f"Staging address {staging.address!r} is the address of site {site}")
    return passed(f"The staging address differs from the address of each of {len(facts.plan.sites)} sites.")


@check("services.available-after")
def services_available_after(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    services = facts.victim_services
    hours = facts.policy.min_service_hours_after
    until_needed = facts.ends_at + timedelta(hours=hours)
    faults: list[str] = []
    if services.available_from is None:
        faults.append("victim_services.available_from is missing")
    elif services.available_from > facts.ends_at:
        faults.append(
            f"victim_services.available_from {_at(services.available_from)} is after the operation ends "
            f"({_at(facts.ends_at)})"
        )
    if services.available_until is None:
        faults.append("victim_services.available_until is missing")
    elif services.available_until < until_needed:
        faults.append(
            f"victim_services.available_until {_at(services.available_until)} is earlier than "
            f"{hours:g} hours "
            f"after the operation ends (needed: {_at(until_needed)} or later)"
        )
    if faults:
        return failed(*faults)
    return passed(
        f"Providers are available from before the end of the action until at least {hours:g} hours after it."
    )


@check("services.private-space")
def services_private_space(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    staging = facts.victim_services.staging
    if staging is None:
        return failed("victim_services.staging is missing")
    if staging.private_space is not True:
        what = "is missing" if staging.private_space is None else "is false"
        return failed(
            f"victim_services.staging.private_space {what}: the staging location needs a private space"
        )
    return passed("The staging location has a private space.")


@check("services.advance-notice")
def services_advance_notice(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    if not facts.providers:
        return failed("victim_services.providers is empty: no provider to notify")
    reactive = facts.plan.operation.kind is OperationKind.REACTIVE
    lead_hours = facts.policy.notice_lead_hours
    latest = facts.starts_at if reactive else facts.starts_at - timedelta(hours=lead_hours)
    in_time_phrase = "before the start" if reactive else f"at least {lead_hours:g} hours before the start"

    def in_time(at: datetime) -> bool:
        return at < facts.starts_at if reactive else at <= latest

    faults: list[str] = []
    for provider in facts.providers:
        notices = [n for n in facts.victim_services.notifications if n.agency == provider]
        if any(
            in_time(n.at) and n.acknowledged_at is not None and n.acknowledged_at <= facts.starts_at
            for n in notices
        ):
            continue
        if not notices:
            faults.append(f"{provider} has no notification")
        elif not any(in_time(n.at) for n in notices):
            sent = max(n.at for n in notices)
            faults.append(
                f"{provider} was notified {_at(sent)}, not {in_time_phrase} ({_at(facts.starts_at)})"
            )
        else:
            faults.append(
                f"{provider} has not acknowledged by the start a notification sent {in_time_phrase}"
            )
    if faults:
        return failed(*faults)
    return passed(f"Every provider was notified {in_time_phrase} and acknowledged it.")


@check("services.information-needs")
def services_information_needs(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    needs = facts.victim_services.information_needs
    if not any(need.strip() for need in needs):
        return failed("victim_services.information_needs is empty: no immediate need is set to be assessed")
    allowed = facts.policy.allowed_information_needs
    unknown = [need for need in dict.fromkeys(needs) if need not in allowed]
    if unknown:
        return failed(
            f"victim_services.information_needs holds items the readiness policy does not allow: "
            f"{_ids(repr(need) for need in unknown)} (allowed: {_ids(allowed)})"
        )
    return passed(f"The needs assessment covers {_ids(dict.fromkeys(needs))}.")


# -- populations and needs -----------------------------------------------------------------------------------


@check("populations.shelter")
def populations_shelter(facts: Facts) -> Outcome:
    anticipated = [population for population in SHELTER_POPULATIONS if population in facts.populations]
    if not anticipated:
        return not_applicable("Neither female nor male persons are anticipated.")
    unserved = [p.value for p in anticipated if not facts.serving(ResourceKind.SHELTER, p)]
    if unserved:
        return failed(f"No shelter resource serves {' or '.join(unserved)}")
    return passed(f"A shelter resource serves {' and '.join(p.value for p in anticipated)}.")


@check("populations.minors")
def populations_minors(facts: Facts) -> Outcome:
    if Population.MINOR not in facts.populations:
        return not_applicable("No minors are anticipated.")
    if not facts.serving(ResourceKind.CHILD_WELFARE, Population.MINOR):
        return failed("No child_welfare resource serves minor")
    return passed("A child welfare resource serves minors.")


@check("needs.assessment")
def needs_assessment(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    faults: list[str] = []
    assessor = facts.victim_services.needs_assessment_by
    if not assessor:
        faults.append("victim_services.needs_assessment_by is missing")
    elif assessor not in facts.providers:
        providers = _ids(facts.providers) or "none listed"
        faults.append(
            f"victim_services.needs_assessment_by {assessor} is not one of the providers ({providers})"
        )
    missing = [
        kind.value for kind in (ResourceKind.MEDICAL, ResourceKind.FOOD) if kind not in facts.resources
    ]
    if missing:
        faults.append(f"No {' or '.join(missing)} resource")
    if faults:
        return failed(*faults)
    return passed(f"{assessor} assesses needs, with medical and food resources on hand.")


@check("language.access")
def language_access(facts: Facts) -> Outcome:
    if not facts.languages:
        return not_applicable("No language besides English is anticipated.")
    covered = {
        code for resource in facts.resources.get(ResourceKind.INTERPRETER, ()) for code in resource.languages
    }
    missing = [code for code in facts.languages if code not in covered]
    if missing:
        return failed(f"No interpreter resource for {_languages(missing)}")
    return passed(f"Interpreters are arranged for {_languages(facts.languages)}.")


@check("immigration.relief")
def immigration_relief(facts: Facts) -> Outcome:
    if Population.FOREIGN_NATIONAL not in facts.populations:
        return not_applicable("No foreign nationals are anticipated.")
    relief = facts.plan.immigration_relief
    if relief is None:
        return failed("There is no immigration_relief section (continued_presence_by, legal_services)")
    faults: list[str] = []
    for field, wanted in (
        ("continued_presence_by", AgencyType.FEDERAL_LAW_ENFORCEMENT),
        ("legal_services", AgencyType.VICTIM_ATTORNEY),
    ):
        agency_id: str | None = getattr(relief, field)
        if not agency_id:
            faults.append(f"immigration_relief.{field} is missing")
        elif facts.agency_type(agency_id) is not wanted:
            faults.append(
                f"immigration_relief.{field} {_agency_kind(facts, agency_id)} is not a {wanted.value} agency"
            )
    if faults:
        return failed(*faults)
    return passed(
        f"{relief.continued_presence_by} can request Continued Presence and {relief.legal_services} "
        "provides immigration legal services."
    )


@check("legal.authorities")
def legal_authorities(facts: Facts) -> Outcome:
    anticipated = [p for p in LEGAL_REVIEW_POPULATIONS if p in facts.populations]
    if not anticipated:
        return not_applicable("None of minor, foreign_national or us_citizen is anticipated.")
    faults: list[str] = []
    for population in anticipated:
        entries = [
            (index, entry)
            for index, entry in enumerate(facts.plan.legal_authorities)
            if entry.population is population
        ]
        if not entries:
            faults.append(f"No legal_authorities entry for {population.value}")
        for index, entry in entries:
            where = f"legal_authorities[{index}] ({population.value})"
            if not entry.reviewed_by:
                faults.append(f"{where} has no reviewed_by")
            elif facts.agency_type(entry.reviewed_by) is not AgencyType.PROSECUTOR:
                faults.append(
                    f"{where} is reviewed by {_agency_kind(facts, entry.reviewed_by)}, "
                    "not a prosecutor agency"
                )
    if faults:
        return failed(*faults)
    return passed(f"A prosecutor reviewed the legal authorities for {_ids(p.value for p in anticipated)}.")


# -- interviews, separation, information ---------------------------------------------------------------------


@check("interviews.nondetention")
def interviews_nondetention(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    locations = facts.plan.interview_locations
    if not locations:
        return failed("interview_locations is empty")
    if any(
        location.setting is Setting.NONDETENTION and (location.private_rooms or 0) >= 1
        for location in locations
    ):
        return passed("A nondetention interview location has at least one private room.")
    reasons = [
        f"{location.id} ({'detention' if location.setting is Setting.DETENTION else 'no private room'})"
        for location in locations
    ]
    return failed(f"No nondetention interview location with a private room: {_ids(reasons)}")


@check("interviews.interviewer")
def interviews_interviewer(facts: Facts) -> Outcome:
    wanted = [p for p in (Population.ADULT, Population.MINOR) if p in facts.populations]
    if not wanted:
        return not_applicable("Neither adults nor minors are anticipated.")
    faults: list[str] = []
    for population in wanted:
        entries = [(i, e) for i, e in enumerate(facts.plan.interviews) if e.population is population]
        if not entries:
            faults.append(f"No interviews entry for {population.value}")
        if population is Population.MINOR:
            faults.extend(
                f"interviews[{index}] (minor) is conducted by {entry.conducted_by.value}, "
                "not forensic_interviewer"
                for index, entry in entries
                if entry.conducted_by is not ConductedBy.FORENSIC_INTERVIEWER
            )
    if faults:
        return failed(*faults)
    return passed(f"Interviewers are assigned for {_ids(p.value for p in wanted)}.")


@check("separation.system")
def separation_system(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    separation = facts.plan.separation
    if separation is None:
        return failed("There is no separation section (areas, transport_separate)")
    victims = [a for a in separation.areas if a.holds is Holds.POTENTIAL_VICTIMS]
    suspects = [a for a in separation.areas if a.holds is Holds.SUSPECTS]
    faults: list[str] = []
    if not victims:
        faults.append("No separation area holds potential_victims")
    if not suspects:
        faults.append("No separation area holds suspects")
    unlocated = [a.id for a in (*victims, *suspects) if not a.location]
    if unlocated:
        faults.append(f"Separation areas without a location: {_ids(unlocated)}")
    suspect_places = {normalise_address(a.location): a.id for a in suspects if a.location}
    shared = [
        f"{area.id} and {suspect_places[normalise_address(area.location)]} ({area.location})"
        for area in victims
        if area.location and normalise_address(area.location) in suspect_places
    ]
    if shared:
        faults.append(f"Potential victims and suspects share a location: {_ids(shared)}")
    if separation.transport_separate is not True:
        what = "is missing" if separation.transport_separate is None else "is false"
        faults.append(f"separation.transport_separate {what}")
    if faults:
        return failed(*faults)
    return passed("Potential victims and suspects are held and transported apart.")


@check("information.victim-materials")
def information_victim_materials(facts: Facts) -> Outcome:
    if outcome := _no_persons(facts):
        return outcome
    information = facts.plan.victim_information
    if information is None:
        return failed("There is no victim_information section (materials, questions_answered_by)")
    available = {code for material in information.materials for code in material.languages}
    needed = ("en", *facts.languages)
    faults: list[str] = []
    missing = [code for code in needed if code not in available]
    if missing:
        faults.append(f"No victim material in {_languages(missing)}")
    if not information.questions_answered_by:
        faults.append("victim_information.questions_answered_by is missing")
    if faults:
        return failed(*faults)
    return passed(
        f"Materials exist in {_languages(needed)}, and {information.questions_answered_by} answers questions."
    )
