"""The bot's plain domain data: names of audiences, value chains, topics and news topics.

Each with the small icon its button carries and its translatable name (marked with `N_`,
translated where shown). No Telegram here: the reports and the command line use it too.
"""

from __future__ import annotations

from bot.i18n import N_

AUDIENCE_LABELS: dict[str, tuple[str, str]] = {
    "farmer": ("🧑‍🌾", N_("Farmer")),
    "job_seeker": ("🔎", N_("Looking for a job")),
    "entrepreneur": ("💼", N_("Entrepreneur")),
    # TRANSLATORS: a person who wants to start a business
    "aspiring": ("🚀", N_("Starting a business")),
    # TRANSLATORS: a vulnerable person looking for work who needs extra support
    "vulnerable": ("🤝", N_("Need support to find work")),
}

VALUE_CHAIN_LABELS: dict[str, tuple[str, str]] = {
    "apple": ("🍎", N_("Apples")),
    "milk": ("🥛", N_("Milk")),
    "soy": ("🫘", N_("Soy")),
    "vegetables": ("🥕", N_("Vegetables")),
    "-": ("🌾", N_("Other")),
}

TOPIC_LABELS: dict[str, tuple[str, str]] = {
    "opportunities": ("💡", N_("Opportunities")),
    "rules": ("📜", N_("Rules and permits")),
    "where": ("📍", N_("Where to find a service")),
    "apply": ("📝", N_("How and to whom to apply")),
    "procedures": ("🪜", N_("Step by step")),
}

# The same five kinds, named short: the facets inside a long list of what a person needs.
FACET_LABELS: dict[str, tuple[str, str]] = {
    # TRANSLATORS: a short filter button: opportunities, support programmes
    "opportunities": ("💡", N_("Support")),
    # TRANSLATORS: a short filter button: rules and permits
    "rules": ("📜", N_("Rules")),
    # TRANSLATORS: a short filter button: where to find a service
    "where": ("📍", N_("Where to go")),
    # TRANSLATORS: a short filter button: how and to whom to apply
    "apply": ("📝", N_("How to apply")),
    # TRANSLATORS: a short filter button: a procedure step by step
    "procedures": ("🪜", N_("Step by step")),
}

# The news a client may subscribe to: the value chains, then jobs, business and events.
NEWS_LABELS: dict[str, tuple[str, str]] = {
    "apple": ("🍎", N_("Apples")),
    "milk": ("🥛", N_("Milk")),
    "soy": ("🫘", N_("Soy")),
    "vegetables": ("🥕", N_("Vegetables")),
    "jobs": ("🔎", N_("Jobs")),
    "business": ("💼", N_("Business support")),
    # TRANSLATORS: news about trainings, courses and agricultural fairs
    "events": ("🎓", N_("Trainings and fairs")),
}
