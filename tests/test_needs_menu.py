"""Menus around needs: a person finds the answer to what they came with in a few taps.

The table is the specification: a need as people say it, who says it, the button they would
press in the main menu, and the entry that answers it. The walk presses only that button, then the
entry's title, or "More", or the kind of information the entry is (the facets of a long list):
never a wrong guess and never "Back". Run with `-s` to see the distribution of taps.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator

import pytest

from bot import needs
from bot.domain import FACET_LABELS
from bot.tooling.harness import Harness, Phone, Screen
from handlers.render import HALF_ROW_CHARS
from handlers.routes import EntryCard
from tests.support import name, onboard, say

# need as people say it, audience, value chain, the need pressed, the entry that answers it
WALKS: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("my cow is sick", "farmer", "milk", "sick", "milk-vet-help"),
    ("the cows need vaccinating", "farmer", "milk", "sick", "milk-vaccination"),
    ("scab on my apple trees", "farmer", "apple", "sick", "apple-pests-advice"),
    ("weeds in the soy field", "farmer", "soy", "sick", "soy-pests-weeds"),
    ("money for an intensive orchard", "farmer", "apple", "money", "apple-orchard-subsidy"),
    ("subsidy for soy seed", "farmer", "soy", "money", "soy-seed-subsidy-apply"),
    ("a cheap loan for sowing", "farmer", "soy", "money", "farm-preferential-loans"),
    ("a loan for a greenhouse", "farmer", "vegetables", "money", "veg-greenhouse"),
    ("insure my crops", "farmer", "-", "money", "farm-insurance"),
    ("who will buy my milk", "farmer", "milk", "sell", "milk-buyers-processors"),
    ("who buys vegetables in bulk", "farmer", "vegetables", "sell", "veg-buyers-processors"),
    ("papers to sell produce", "farmer", "apple", "sell", "farm-sell-produce-docs"),
    ("register a peasant farm", "farmer", "apple", "docs", "farm-register-kfh"),
    ("certificate to export apples", "farmer", "apple", "docs", "apple-phyto-certificate"),
    ("water for irrigation", "farmer", "vegetables", "land", "farm-irrigation-water"),
    ("get a plot of land", "farmer", "soy", "land", "farm-land-plot"),
    ("advice on growing soy", "farmer", "soy", "learn", "soy-advice"),
    ("courses for farmers", "farmer", "apple", "learn", "odak-kaznau-courses"),
    ("find vacancies", "job_seeker", None, "find", "job-vacancies-online"),
    ("seasonal work in the orchards", "job_seeker", None, "find", "job-seasonal-farm-work"),
    ("register as unemployed", "job_seeker", None, "register", "job-register-seeker"),
    ("I lost my job: is there a payment", "job_seeker", None, "register", "job-job-loss-payment"),
    ("learn a trade for free", "job_seeker", None, "learn", "job-training-retraining"),
    ("a job offer abroad: is it safe", "job_seeker", None, "abroad", "job-work-abroad-scams"),
    ("my wages are not paid", "job_seeker", None, "rights", "job-unpaid-wages"),
    ("how to reach the centre", "job_seeker", None, "about", "oss-contact"),
    ("a loan with Damu", "entrepreneur", None, "money", "biz-apply-damu-loan"),
    ("which tax regime", "entrepreneur", None, "permits", "biz-tax-regimes"),
    ("an inspection came", "entrepreneur", None, "permits", "biz-inspections-rights"),
    ("hiring workers", "entrepreneur", None, "workers", "biz-hiring-workers"),
    ("sell my products abroad", "entrepreneur", None, "sell", "biz-export-support"),
    ("sell to the state", "entrepreneur", None, "sell", "biz-public-procurement"),
    ("rules for buying apple seedlings", "entrepreneur", None, "agri", "apple-planting-material"),
    ("a job offer abroad", "vulnerable", None, "rights", "job-work-abroad-scams"),
    ("register as an IE", "aspiring", None, "register", "start-register-ie"),
    ("IE or LLP", "aspiring", None, "register", "start-legal-form"),
    ("a grant for my idea", "aspiring", None, "money", "start-grants-new-ideas"),
    ("write a business plan", "aspiring", None, "start", "start-business-plan"),
    ("targeted social assistance", "vulnerable", None, "money", "vul-apply-tsa"),
    ("disability allowance", "vulnerable", None, "money", "vul-disability-allowance"),
    ("violence at home", "vulnerable", None, "help", "vul-domestic-violence"),
    ("a job with wage support", "vulnerable", None, "work", "vul-social-jobs"),
    ("my pension has not arrived", "vulnerable", None, "help", "vul-pension-not-arrived"),
)
MAX_TAPS = 4


def buttons(screen: Screen) -> Iterator[tuple[str, str]]:
    for row in screen.buttons:
        for b in row:
            if b.data is not None:
                yield b.label, b.data


def assert_fits_phone(screens: list[Screen]) -> None:
    """No label is cut on a small phone: two buttons share a row only when both are short."""
    for screen in screens:
        for row in screen.buttons:
            if len(row) > 1:
                long = [b.label for b in row if len(b.label) > HALF_ROW_CHARS]
                assert not long, f"cut on a small phone: {long} in {screen.text[:60]!r}"


async def walk(person: Phone, lang: str, audience: str, need_id: str, entry_id: str) -> int:
    """From the main menu, reach the entry's card; return the number of taps."""
    [menu] = await person.send("/menu")
    found = needs.need(audience, need_id)
    assert found is not None, f"{audience} has no need {need_id!r}"
    entry = person.harness.services.kb.entry(entry_id)
    assert entry is not None
    [screen] = await person.press(say(lang, found.label), screen=menu)
    taps = 1
    target = EntryCard(entry_id).pack()
    facet = name(FACET_LABELS, entry.topic, lang)
    more = say(lang, "More")
    while True:
        data = dict((d, lbl) for lbl, d in buttons(screen))
        labels = [lbl for lbl, _ in buttons(screen)]
        if target in data:
            [card] = await person.press_data(target, message_id=screen.message_id)
            taps += 1
            assert entry.title.get(lang) in card.text
            return taps
        if any(facet in lbl for lbl in labels):
            step = facet
        elif any(more in lbl for lbl in labels):
            step = more
        else:
            raise AssertionError(f"{entry_id} not reachable from {screen.text[:80]!r}: {labels}")
        [screen] = await person.press(step, screen=screen)
        taps += 1
        assert taps < MAX_TAPS, f"{entry_id}: more than {MAX_TAPS} taps"


TAPS: dict[str, collections.Counter[int]] = {}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_common_needs_are_reached_in_a_few_taps(harness: Harness, lang: str) -> None:
    people: dict[tuple[str, str | None], Phone] = {}
    counts: collections.Counter[int] = collections.Counter()
    for phrase, audience, chain, need_id, entry_id in WALKS:
        key = (audience, chain)
        if key not in people:
            people[key] = await onboard(harness, lang, audience, chain)
        taps = await walk(people[key], lang, audience, need_id, entry_id)
        assert taps <= MAX_TAPS, phrase
        counts[taps] += 1
    assert len(WALKS) >= 30 and sum(counts.values()) == len(WALKS)
    for phone in people.values():
        assert_fits_phone(phone.screens)
    TAPS[lang] = counts
    print(
        f"\n[{lang}] taps from the main menu for {len(WALKS)} needs: "
        + ", ".join(f"{taps} taps: {n}" for taps, n in sorted(counts.items()))
    )


def test_every_entry_of_an_audience_is_under_one_of_its_needs(harness: Harness) -> None:
    assert needs.unreachable(harness.services.kb) == {audience: [] for audience in needs.NEEDS}


def test_the_alliance_does_not_open_the_lists(harness: Harness) -> None:
    kb = harness.services.kb
    for audience, listed in needs.NEEDS.items():
        for found in listed:
            if found.id == "about":
                continue
            for chain in (None, "apple", "milk", "soy", "vegetables"):
                shown = needs.entries(kb, found, audience, chain)
                assert not shown or not shown[0].id.startswith("odak-"), (audience, found.id)


async def test_an_old_topic_button_still_leads_somewhere(harness: Harness) -> None:
    person = await onboard(harness, "en", "farmer", "apple")
    [listing] = await person.press_data("t:opportunities:farmer:apple:0")
    assert "Choose what you need" in listing.text and listing.buttons
