"""What people come with, in their words: the first menu each audience sees.

A need is a translatable label and an explicit list of entries, most relevant first. The list is
chosen by hand for each audience, so that a farmer's "money" screen opens with subsidies, not with
the alliance. Entries tied to value chains are shown only to a farmer of that chain (and their own
chain first); alliance (`odak-*`) entries come last, or in the need that is about the centre.
The OSS's five kinds of information (`Entry.topic`) stay as facets inside a long list.
No Telegram here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.knowledge import Entry, KnowledgeBase

PAGE_SIZE = 6


@dataclass(frozen=True)
class Need:
    """One thing people come with: its id, icon, label and the entries that answer it."""

    id: str
    icon: str
    label: str  # marked with N_, translated where shown
    entries: tuple[str, ...]


def _need(id: str, icon: str, label: str, *entries: str) -> Need:
    return Need(id, icon, label, entries)


_ABOUT = (
    "oss-how-to-use", "oss-contact", "odak-about", "odak-ieawo",
)  # fmt: skip
_ABOUT_BUSINESS = (
    *_ABOUT, "odak-innovation-catalogue", "odak-submit-innovation", "odak-join-organisation",
    "odak-district-strategy", "odak-focus-groups", "odak-nagoya-protocol", "odak-nagoya-consent",
)  # fmt: skip

# TRANSLATORS: the main-menu button for questions about the ODAK centre itself: what it is, how
# to reach it
_ABOUT_LABEL = N_("About the ODAK centre")

NEEDS: dict[str, tuple[Need, ...]] = {
    "farmer": (
        _need(
            "money",
            "💰",
            N_("Subsidies and loans"),
            "apple-orchard-subsidy",
            "milk-subsidies",
            "soy-subsidies",
            "soy-seed-subsidy-apply",
            "veg-greenhouse",
            "veg-greenhouse-apply",
            "milk-pedigree-cattle",
            "farm-subsidies-overview",
            "farm-apply-subsidy",
            "farm-preferential-loans",
            "start-microcredit",
            "farm-machinery-leasing",
            "farm-insurance",
            "odak-small-projects",
            "odak-farmer-fund",
        ),
        _need(
            "sick",
            "🩺",
            N_("A sick animal or plant"),
            "milk-vet-help",
            "milk-vaccination",
            "milk-brucellosis-tb",
            "apple-pests-advice",
            "soy-pests-weeds",
            "veg-pests-diseases",
            "veg-pesticides",
            "farm-vet-station",
            "farm-plant-animal-rules",
            "farm-animal-identification",
        ),
        _need(
            "sell",
            "🛒",
            N_("Selling the harvest"),
            "apple-buyers-processors",
            "apple-storage",
            "apple-export-rules",
            "apple-phyto-certificate",
            "milk-buyers-processors",
            "milk-collection-coop",
            "milk-safe-selling",
            "milk-home-dairy-safety",
            "soy-selling-processors",
            "veg-buyers-processors",
            "veg-markets-fairs",
            "veg-storage",
            "farm-sell-produce-docs",
            "start-sell-home-produce",
            "farm-cooperatives",
            "odak-agri-fairs",
            "odak-territorial-marketing",
        ),
        _need(
            "docs",
            "📄",
            N_("Documents and registration"),
            "milk-vet-documents",
            "apple-phyto-certificate",
            "farm-register-kfh",
            "farm-digital-signature",
            "farm-household-plot-vs-farm",
            "farm-tax-status",
            "farm-animal-identification",
            "farm-sell-produce-docs",
            "farm-inherited-land-house",
        ),
        _need(
            "land",
            "🌱",
            N_("Land and water"),
            "veg-drip-irrigation",
            "soy-rotation-irrigation",
            "farm-irrigation-water",
            "farm-land-plot",
            "farm-land-use-rules",
            "farm-inherited-land-house",
        ),
        _need(
            "learn",
            "🎓",
            N_("Training and advice"),
            "apple-planting-material",
            "apple-aport-heritage",
            "milk-feed",
            "milk-artificial-insemination",
            "soy-advice",
            "soy-certified-seed",
            "veg-seeds",
            "farm-soil-seed-advice",
            "farm-where-to-go",
            "odak-kaznau-courses",
            "odak-focus-groups",
            "odak-student-internships",
        ),
        _need("about", "🏛", _ABOUT_LABEL, *_ABOUT_BUSINESS),
    ),
    "job_seeker": (
        _need(
            "find",
            "🔎",
            N_("Find a job"),
            "job-vacancies-online",
            "job-employment-centre",
            "job-seasonal-farm-work",
            "job-public-works",
            "job-youth-first-job",
            "vul-social-jobs",
            "job-young-specialists-village",
            "job-resettlement",
            "vul-neet-youth",
            "vul-women-support",
            "odak-student-internships",
        ),
        _need(
            "register",
            "🧾",
            N_("Register as unemployed, benefits"),
            "job-register-seeker",
            "job-job-loss-payment",
            "job-after-registration",
            "job-health-insurance-unemployed",
            "job-employment-centre",
        ),
        _need(
            "learn",
            "🎓",
            N_("Learn a trade"),
            "job-training-retraining",
            "vul-free-training",
            "vul-women-support",
            "vul-neet-youth",
        ),
        _need(
            "abroad",
            "✈️",
            N_("Work abroad safely"),
            "job-work-abroad-scams",
            "job-resettlement",
            "job-no-criminal-record",
        ),
        _need(
            "rights",
            "⚖️",
            N_("Rights at work, unpaid wages"),
            "job-employment-contract",
            "job-first-days-at-work",
            "job-labour-rights",
            "job-unpaid-wages",
            "vul-free-legal-help",
            "job-no-criminal-record",
        ),
        _need(
            "own",
            "🚀",
            N_("Work for yourself"),
            "start-self-employed-regime",
            "start-get-eds",
            "start-bastau-business",
            "start-grants-new-ideas",
        ),
        _need(
            "help",
            "🆘",
            N_("Help in a hard situation"),
            "vul-domestic-violence",
            "vul-free-legal-help",
            "vul-where-to-start",
        ),
        _need("about", "🏛", _ABOUT_LABEL, *_ABOUT),
    ),
    "entrepreneur": (
        _need(
            "money",
            "💰",
            N_("Loans and state support"),
            "biz-damu-support",
            "biz-apply-damu-loan",
            "start-microcredit",
            "farm-subsidies-overview",
            "farm-apply-subsidy",
            "farm-machinery-leasing",
            "veg-greenhouse",
            "odak-small-projects",
        ),
        _need(
            "permits",
            "📜",
            N_("Permits and taxes"),
            "biz-permits-elicense",
            "biz-tax-regimes",
            "biz-tax-reporting",
            "start-first-taxes",
            "biz-inspections-rights",
            "farm-digital-signature",
            "biz-close-business",
        ),
        _need(
            "workers",
            "👷",
            N_("Hiring workers"),
            "biz-hiring-workers",
            "biz-apply-workers-support",
            "odak-student-internships",
        ),
        _need(
            "sell",
            "🛒",
            N_("Selling and export"),
            "biz-export-support",
            "biz-public-procurement",
            "farm-sell-produce-docs",
            "apple-export-rules",
            "milk-safe-selling",
            "farm-cooperatives",
            "odak-agri-fairs",
            "odak-territorial-marketing",
        ),
        _need(
            "advice",
            "🧭",
            N_("Advice and where to go"),
            "biz-where-help",
            "biz-atameken-services",
            "biz-online-portals",
            "start-bank-account",
            "start-get-eds",
            "biz-close-business",
        ),
        _need(
            "agri",
            "🌾",
            N_("Farming business"),
            "farm-preferential-loans",
            "apple-orchard-subsidy",
            "milk-subsidies",
            "soy-subsidies",
            "veg-greenhouse-apply",
            "milk-pedigree-cattle",
            "apple-buyers-processors",
            "milk-buyers-processors",
            "soy-selling-processors",
            "veg-buyers-processors",
            "milk-collection-coop",
            "veg-markets-fairs",
            "apple-storage",
            "veg-storage",
            "apple-phyto-certificate",
            "milk-vet-documents",
            "farm-plant-animal-rules",
            "apple-planting-material",
            "soy-certified-seed",
            "veg-seeds",
            "apple-aport-heritage",
            "odak-kaznau-courses",
        ),
        _need("about", "🏛", _ABOUT_LABEL, *_ABOUT_BUSINESS),
    ),
    "aspiring": (
        _need(
            "start",
            "🪜",
            N_("First steps"),
            "start-first-steps",
            "start-where-help",
            "start-business-plan",
            "start-bastau-business",
            "biz-atameken-services",
        ),
        _need(
            "money",
            "💰",
            N_("Money to start"),
            "start-grants-new-ideas",
            "start-microcredit",
            "odak-small-projects",
            "farm-cooperatives",
        ),
        _need(
            "register",
            "🧾",
            N_("Registration and taxes"),
            "start-register-ie",
            "start-legal-form",
            "start-get-eds",
            "start-first-taxes",
            "start-self-employed-regime",
            "start-bank-account",
            "biz-permits-elicense",
            "biz-tax-regimes",
            "farm-digital-signature",
            "biz-online-portals",
        ),
        _need(
            "farm",
            "🌾",
            N_("A business on the land"),
            "farm-register-kfh",
            "farm-household-plot-vs-farm",
            "farm-land-plot",
            "start-sell-home-produce",
            "milk-home-dairy-safety",
            "veg-greenhouse",
            "farm-tax-status",
            "farm-inherited-land-house",
            "milk-collection-coop",
            "soy-advice",
            "apple-aport-heritage",
            "farm-where-to-go",
            "odak-territorial-marketing",
            "odak-farmer-fund",
        ),
        _need(
            "learn",
            "🎓",
            N_("Training and advice"),
            "start-bastau-business",
            "biz-atameken-services",
            "vul-women-support",
            "odak-kaznau-courses",
            "odak-agri-fairs",
        ),
        _need("about", "🏛", _ABOUT_LABEL, *_ABOUT_BUSINESS),
    ),
    "vulnerable": (
        _need(
            "work",
            "🔎",
            N_("Find work with support"),
            "vul-social-jobs",
            "vul-quota-jobs",
            "vul-social-job-steps",
            "vul-disability-job-steps",
            "job-register-seeker",
            "job-public-works",
            "job-employment-centre",
            "job-vacancies-online",
            "job-after-registration",
            "job-seasonal-farm-work",
            "vul-neet-youth",
            "job-youth-first-job",
        ),
        _need(
            "rights",
            "⚖️",
            N_("Rights at work, unpaid wages"),
            "job-employment-contract",
            "job-first-days-at-work",
            "job-labour-rights",
            "job-unpaid-wages",
            "vul-free-legal-help",
            "job-no-criminal-record",
            "job-work-abroad-scams",
        ),
        _need(
            "money",
            "💳",
            N_("Allowances and assistance"),
            "vul-apply-tsa",
            "vul-tsa-and-work",
            "vul-disability-allowance",
            "vul-disabled-child-carer",
            "vul-large-family-allowance",
            "vul-pension-not-arrived",
            "job-health-insurance-unemployed",
        ),
        _need(
            "learn",
            "🎓",
            N_("Free training"),
            "vul-free-training",
            "job-training-retraining",
            "vul-women-support",
            "start-bastau-business",
        ),
        _need(
            "own",
            "🚀",
            N_("A small business of my own"),
            "start-bastau-business",
            "start-grants-new-ideas",
            "start-self-employed-regime",
            "start-sell-home-produce",
            "start-business-plan",
        ),
        _need(
            "help",
            "🆘",
            N_("Help in a hard situation"),
            "vul-where-to-start",
            "vul-domestic-violence",
            "vul-free-legal-help",
            "vul-home-care-elderly",
            "vul-pension-not-arrived",
            "farm-inherited-land-house",
        ),
        _need("about", "🏛", _ABOUT_LABEL, *_ABOUT),
    ),
}

NEED_IDS: tuple[str, ...] = tuple(sorted({need.id for needs in NEEDS.values() for need in needs}))


def needs_for(audience: str) -> tuple[Need, ...]:
    """The needs offered to an audience, in the order of its menu."""
    return NEEDS.get(audience, ())


def need(audience: str, need_id: str) -> Need | None:
    """The need `need_id` of an audience, or None."""
    return next((n for n in needs_for(audience) if n.id == need_id), None)


def entries(
    kb: KnowledgeBase, found: Need, audience: str, chain: str | None, topic: str | None = None
) -> tuple[Entry, ...]:
    """The entries of a need for an audience and value chain (None: none), most relevant first.

    A farmer sees an entry tied to value chains only for their own chain, and those first; the
    others see the need's list as it is. Entries missing from the knowledge base (a curator
    removed one) are skipped. `topic` keeps one kind of information only."""
    present = [e for e in (kb.entry(entry_id) for entry_id in found.entries) if e is not None]
    if topic is not None:
        present = [e for e in present if e.topic == topic]
    if audience != "farmer":
        return tuple(present)
    own = [e for e in present if chain is not None and chain in e.value_chains]
    general = [e for e in present if not e.value_chains]
    return (*own, *general)


def need_of(audience: str, entry_id: str) -> Need | None:
    """The first need of an audience that lists the entry (for a card's "Back")."""
    return next((n for n in needs_for(audience) if entry_id in n.entries), None)


def unreachable(kb: KnowledgeBase) -> dict[str, list[str]]:
    """For each audience, the entries of the knowledge base its needs do not list."""
    missing: dict[str, list[str]] = {}
    for audience, needs in NEEDS.items():
        listed = {entry_id for n in needs for entry_id in n.entries}
        missing[audience] = sorted(
            e.id for e in kb.entries.values() if audience in e.audiences and e.id not in listed
        )
    return missing
