"""What a farmer, a job seeker or an entrepreneur sees, from /start to the right answer."""

from __future__ import annotations

import pytest

from bot import needs
from bot.domain import VALUE_CHAIN_LABELS
from bot.knowledge import KnowledgeHolder
from bot.tooling.harness import Harness, Screen
from tests.support import LANGUAGE_BUTTON, name, onboard, say


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_farmer_reaches_an_apple_entry_and_its_documents(
    harness: Harness, knowledge: KnowledgeHolder, lang: str
) -> None:
    kb = knowledge.current
    target = next(
        e for e in kb.entries.values()
        if "apple" in e.value_chains and "farmer" in e.audiences and e.documents
    )  # fmt: skip
    farmer = await onboard(harness, lang, "farmer", "apple")
    assert name(VALUE_CHAIN_LABELS, "apple", lang) in farmer.last.text  # "For: Farmer · Apples"
    need = needs.need_of("farmer", target.id)
    assert need is not None
    await farmer.press(say(lang, need.label))
    while not farmer.last.has_button(target.title.get(lang)):
        await farmer.press(say(lang, "More"))
    [card] = await farmer.press(target.title.get(lang))
    assert target.summary.get(lang)[:40] in card.text
    assert str(target.reviewed.year) in card.text  # when it was last checked
    [documents] = await farmer.press(say(lang, "Documents"))
    for document in target.documents.get(lang)[:2]:
        assert document[:30] in documents.text
    assert len(farmer.screens) == 1, "menus are edited in place, not piled up"


async def test_apple_growers_see_apple_entries_before_general_farm_ones(
    harness: Harness, knowledge: KnowledgeHolder
) -> None:
    kb = knowledge.current
    farmer = await onboard(harness, "en", "farmer", "apple")
    [listing] = await farmer.press("Subsidies and loans")
    money = needs.need("farmer", "money")
    assert money is not None
    apple_titles = [
        e.title.en for e in kb.entries.values()
        if e.id in money.entries and "apple" in e.value_chains
    ]  # fmt: skip
    assert apple_titles and listing.labels[: len(apple_titles)] == apple_titles
    milk = [e.title.en for e in kb.entries.values() if "milk" in e.value_chains]
    assert not set(milk) & set(listing.labels)


async def test_a_job_seeker_reaches_the_employment_centre_registration(
    harness: Harness, knowledge: KnowledgeHolder
) -> None:
    registration = knowledge.current.entry("job-register-seeker")
    assert registration is not None and registration.providers[0] == "employment_centre"
    seeker = await onboard(harness, "ru", "job_seeker")
    await seeker.press("Встать на учёт, выплаты")
    [card] = await seeker.press(registration.title.ru)
    assert registration.summary.ru[:40] in card.text
    [where] = await seeker.press("Куда и к кому")
    employment_centre = knowledge.current.provider("employment_centre")
    assert employment_centre is not None and employment_centre.name.ru in where.text


async def test_a_would_be_entrepreneur_finds_how_to_register_a_business(
    harness: Harness, knowledge: KnowledgeHolder
) -> None:
    kb = knowledge.current
    person = await onboard(harness, "kk", "aspiring")
    [results] = await person.send("ЖК қалай ашамын")
    registration = [
        e for e in kb.entries.values() if e.id.startswith("start-") and "register" in e.id
    ]
    assert registration, "the base has an entry on registering a business"
    assert any(e.title.kk in results.labels for e in registration), results.labels
    entry = next(e for e in registration if e.title.kk in results.labels)
    [card] = await person.press(entry.title.kk)
    assert entry.summary.kk[:40] in card.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("жумыссыз ретинде тиркелу", "job-register-seeker"),  # Kazakh on a Russian keyboard
        ("алма бакка субсидия", "apple-orchard-subsidy"),
        ("sut sauu kooperativ", "milk-collection-coop"),  # informal Latin
    ],
)
async def test_kazakh_typed_with_russian_letters_finds_the_right_entry(
    harness: Harness, knowledge: KnowledgeHolder, typed: str, expected: str
) -> None:
    person = await onboard(harness, "kk", "farmer", "apple")
    [results] = await person.send(typed)
    entry = knowledge.current.entry(expected)
    assert entry is not None
    assert entry.title.kk in results.labels


@pytest.mark.parametrize(
    ("lang", "nonsense"), [("ru", "ывапролдж"), ("en", "qwzx plmk"), ("kk", "футбол нәтижесі")]
)
async def test_nonsense_gets_an_honest_not_found_and_the_oss(
    harness: Harness, lang: str, nonsense: str
) -> None:
    person = await onboard(harness, lang, "entrepreneur")
    [answer] = await person.send(nonsense)
    assert (
        say(
            lang,
            "I did not find an answer to this. Try other words, choose a topic in the menu, "
            "or ask the OSS.",
        )
        == answer.text
    )
    assert answer.has_button(say(lang, "Ask the OSS"))
    assert answer.has_button(say(lang, "Main menu"))


async def test_free_text_offers_at_most_three_entries_as_buttons(harness: Harness) -> None:
    person = await onboard(harness, "ru", "farmer", "milk")
    [results] = await person.send("субсидии")
    entry_buttons = [
        b for row in results.buttons for b in row if b.data and b.data.startswith("e:")
    ]
    assert 1 <= len(entry_buttons) <= 3


async def test_an_old_button_still_works_after_a_restart(
    harness: Harness, settings, database, knowledge
) -> None:
    from bot.app import Services

    farmer = await onboard(harness, "en", "farmer", "soy")
    [listing] = await farmer.press("Land and water")
    # The bot restarts: a new Application on the same database and the same chat.
    services = Services(settings=settings, db=database, knowledge=knowledge)
    async with Harness(services, harness.fake) as restarted:
        phone = restarted.phone(farmer.id, language_code="en")
        [card] = await phone.press(listing.labels[0], screen=listing)
        assert "Checked on" in card.text


@pytest.mark.parametrize(
    "data", ["kb:old-format", "e:no-such-entry", "t:weather:farmer:apple:0", "x" * 64]
)
async def test_an_unknown_or_forged_button_says_it_is_out_of_date_and_shows_the_menu(
    harness: Harness, data: str
) -> None:
    person = await onboard(harness, "ru", "job_seeker")
    await person.press("Найти работу")  # somewhere away from the main menu
    await person.press_data(data)
    answers = harness.fake.calls_to("answerCallbackQuery")
    assert answers[-1].params.get("text") == say(
        "ru", "This button is out of date. Here is the main menu."
    )
    assert say("ru", "Main menu") in person.last.text


async def test_language_switches_every_later_message_and_the_command_menu(harness: Harness) -> None:
    person = await onboard(harness, "kk", "entrepreneur")
    assert person.commands[1] == "Басты мәзір"
    [choice] = await person.send("/language")
    [menu] = await person.press("English", screen=choice)
    assert "Main menu" in menu.text and "Loans and state support" in " ".join(menu.labels)
    assert person.commands[1] == "Main menu"
    [listing] = await person.press("Loans and state support")
    assert "Choose what you need" in listing.text
    [help_screen] = await person.send("/help")
    assert "How to use this bot" in help_screen.text


async def test_a_returning_person_lands_on_the_main_menu_in_their_language(
    harness: Harness,
) -> None:
    person = await onboard(harness, "ru", "vulnerable")
    [menu] = await person.send("/start")
    assert "Главное меню" in menu.text


async def test_changing_audience_is_one_tap_from_the_main_menu(harness: Harness) -> None:
    person = await onboard(harness, "en", "job_seeker")
    [question] = await person.press("Change who I am")
    assert "Who are you?" in question.text
    await person.press("Farmer")
    [menu] = await person.press("Milk")
    assert "Farmer · 🥛 Milk" in menu.text


async def test_a_deep_link_opens_an_entry_directly_and_records_the_source(
    harness: Harness, database
) -> None:
    from bot.services.people import get_profile

    person = harness.phone(language_code="ru")
    [card] = await person.send("/start e-farm-register-kfh")
    assert "Проверено" in card.text
    profile = await get_profile(database, person.id)
    assert profile is not None and profile.source == "e-farm-register-kfh"


async def test_a_poster_deep_link_records_where_the_person_came_from(
    harness: Harness, database
) -> None:
    from bot.services.people import get_profile

    person = harness.phone()
    [screen] = await person.send("/start src-poster_esik_market")
    assert "Тілді таңдаңыз" in screen.text
    profile = await get_profile(database, person.id)
    assert profile is not None and profile.source == "poster_esik_market"


async def test_every_card_has_a_share_link_that_opens_the_entry(harness: Harness) -> None:
    person = harness.phone(language_code="en")
    [card] = await person.send("/start e-job-vacancies-online")
    share = card.button("Share")
    assert share.url is not None and "start%3De-job-vacancies-online" in share.url


async def test_long_lists_are_paged(harness: Harness, knowledge: KnowledgeHolder) -> None:
    from handlers.render import PAGE_SIZE

    kb = knowledge.current
    need = max(
        needs.needs_for("farmer"), key=lambda n: len(needs.entries(kb, n, "farmer", "apple"))
    )
    total = len(needs.entries(kb, need, "farmer", "apple"))
    if total <= PAGE_SIZE:
        pytest.skip("no list is long enough to need paging")
    farmer = await onboard(harness, "en", "farmer", "apple")
    [first] = await farmer.press(need.label)
    assert "Page 1 of" in first.text
    [second] = await farmer.press("More")
    assert "Page 2 of" in second.text

    def entries(screen: Screen) -> set[str]:
        return {b.label for row in screen.buttons for b in row if (b.data or "").startswith("e:")}

    assert entries(first) and entries(second) and entries(first).isdisjoint(entries(second))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_no_screen_of_any_entry_is_longer_than_a_phone_screen(
    harness: Harness, knowledge: KnowledgeHolder, lang: str
) -> None:
    from handlers.guard import FloodGuard
    from handlers.render import SCREEN_CHARS

    harness.app.bot_data["flood_guard"] = FloodGuard(burst=100_000)  # a reviewer, not a flood
    person = harness.phone(language_code=lang)
    await person.send("/start")
    await person.press(LANGUAGE_BUTTON[lang])
    for entry in list(knowledge.current.entries.values()):
        [card] = await person.press_data(f"e:{entry.id}:s")
        assert len(card.text) <= SCREEN_CHARS, entry.id
        for section in ("more", "steps", "docs", "where"):
            await person.press_data(f"d:{entry.id}:{section}")
            page = person.last
            assert len(page.text) <= SCREEN_CHARS, (entry.id, section)
            while page.has_button(say(lang, "More")):
                [page] = await person.press(say(lang, "More"), screen=page)
                assert len(page.text) <= SCREEN_CHARS, (entry.id, section)
