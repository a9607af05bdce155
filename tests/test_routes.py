"""The button routes: every family packs into valid data and parses back; nothing else does."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

import handlers
from bot.knowledge import AUDIENCES, LANGS, TOPICS, VALUE_CHAINS
from bot.needs import NEED_IDS
from bot.services.subscriptions import TOPICS as NEWS_TOPICS
from bot.tooling.harness import Harness
from handlers import routes as r

# One or more values of every family, with the data its buttons carry on the wire: the data
# of buttons already sent must not change.
SAMPLES: list[tuple[r.Callback, str]] = [
    (r.ChooseLanguage("kk"), "lang:kk"),
    (r.LanguageMenu(), "language"),
    (r.AudienceMenu(), "who"),
    (r.ChooseAudience("job_seeker"), "aud:job_seeker"),
    (r.ChooseChain("-"), "vc:-"),
    (r.ChooseChain("milk"), "vc:milk"),
    (r.MainMenu(), "m"),
    (r.TopicPage("rules", "farmer", "apple", 0), "t:rules:farmer:apple:0"),
    (r.TopicPage("procedures", "vulnerable", "-", 999), "t:procedures:vulnerable:-:999"),
    (r.NeedPage("farmer", "sick", "milk"), "n:farmer:sick:milk"),
    (r.NeedPage("entrepreneur", "agri", "-", 2), "n:entrepreneur:agri:-:2"),
    (r.NeedPage("farmer", "money", "-", 0, "apply"), "n:farmer:money:-:0:apply"),
    (r.MyCases(), "my"),
    (r.MyCase(42), "mc:42"),
    (r.Settle(42, "s"), "st:42:s"),
    (r.Settle(42, "wy"), "st:42:wy"),
    (r.EntryCard("subsidy-apple-orchards"), "e:subsidy-apple-orchards"),
    (r.EntryCard("job-fair", from_search=True), "e:job-fair:s"),
    (r.EntrySection("job-fair", "more"), "d:job-fair:more"),
    (r.EntrySection("job-fair", "docs", 12), "d:job-fair:docs:12"),
    (r.Ask(None), "ask:-"),
    (r.Ask("job-fair"), "ask:job-fair"),
    (r.Consent(None), "cs:-"),
    (r.Consent("job-fair"), "cs:job-fair"),
    (r.DraftAction("phone"), "dr:phone"),
    (r.WriteBack(42), "cr:42"),
    (r.Confirm(7, True), "ok:7:y"),
    (r.Confirm(7, False), "ok:7:n"),
    (r.Rate(7, 5), "rt:7:5"),
    (r.FollowUp(7, "waiting"), "fu:7:waiting"),
    (r.Forget(True), "fg:yes"),
    (r.Forget(False), "fg:no"),
    (r.News(), "nw"),
    (r.News("events"), "nw:events"),
    (r.Unsubscribe(3), "un:3"),
    (r.Contacts(), "ct"),
    (r.Contacts("employment_centre"), "ct:employment_centre"),
    (r.OfficePin("oss_esik"), "pin:oss_esik"),
    (r.CaseHistory(123456789), "cv:123456789"),
    (r.CaseList(2), "cl:2"),
    (r.ChooseProvider(5), "ca:5"),
    (r.Assign(5, "employment_center"), "cp:5:employment_center"),
    (r.CloseCase(5), "cc:5"),
    (r.ProviderAction(5, "x"), "pr:5:x"),
    (r.CreateInvite("akimat"), "inv:akimat"),
    (r.Report("lw"), "rp:lw"),
    (r.Export("20261101-20261130"), "rx:20261101-20261130"),
    (r.Gaps("30"), "gp:30"),
    (r.Gaps("20261101-20261130"), "gp:20261101-20261130"),
    (r.Announcement(9), "an:9"),
    (r.Announcement(9, "t"), "an:9:t"),
    (r.Announcement(9, "a", "job_seeker"), "an:9:a:job_seeker"),
    (r.Announcement(9, "v", r.ANY), "an:9:v:*"),
    (r.Announcement(9, "re"), "an:9:re"),
]


@pytest.mark.parametrize(("value", "data"), SAMPLES, ids=[d for _, d in SAMPLES])
def test_a_value_packs_into_its_wire_data_and_parses_back(value: r.Callback, data: str) -> None:
    assert value.pack() == data
    assert type(value).parse(data) == value


def test_every_family_has_samples() -> None:
    assert {type(value) for value, _ in SAMPLES} == set(r.FAMILIES)


@pytest.mark.parametrize(("value", "data"), SAMPLES, ids=[d for _, d in SAMPLES])
def test_a_damaged_copy_parses_to_nothing(value: r.Callback, data: str) -> None:
    family = type(value)
    for forged in (
        data + "\n",  # `$` would accept it; the whole-string match does not
        data + ":",
        data + ":x:y",
        " " + data,
        data.upper(),
        data + "é",
        data + "0" * 64,
        "",
    ):
        assert family.parse(forged) is None, forged


@pytest.mark.parametrize(
    "data",
    [
        "lang:de",
        "aud:farmer\n",
        "t:rules:farmer:apple:1000",
        "t:rules:farmer:apple:-1",
        "t:rules:cowboy:apple:0",
        "e:AB",
        "e:x",
        "e:job-fair:t",
        "d:job-fair:more:123",
        "d:job-fair",
        "ok:7:yes",
        "ok:1234567890:y",
        "rt:7:0",
        "rt:7:6",
        "fu:7:maybe",
        "cl:-1",
        "cp:5:A",
        "gp:14",
        "rp:yesterday",
        "an:9:pv:farmer",  # a value only for a segment field
        "an:9:farmer",
        "an:9::*",
        "nw:",
    ],
)
def test_forged_data_is_no_family_s(data: str) -> None:
    assert all(family.parse(data) is None for family in r.FAMILIES)


def _biggest(family: type[r.Callback]) -> r.Callback:
    """The longest value of a family: every field at its longest."""
    longest: dict[str, Any] = {}
    for field in dataclasses.fields(family):  # type: ignore[arg-type]
        candidates = {
            "lang": "kk",
            "audience": max(AUDIENCES, key=len),
            "chain": max(VALUE_CHAINS, key=len),
            "topic": max(NEWS_TOPICS if family is r.News else TOPICS, key=len),
            "section": "steps",
            "entry": "a" * 40,
            "from_search": True,
            "page": 999 if family in (r.TopicPage, r.CaseList, r.NeedPage) else 99,
            "need": max(NEED_IDS, key=len),
            "facet": max(TOPICS, key=len),
            "step": {
                r.DraftAction: "cancel",
                r.ProviderAction: "x",
                r.Announcement: "a",
                r.Settle: "wy",
            }.get(family),
            "case": 999_999_999,
            "announcement": 999_999_999,
            "solved": True,
            "stars": 5,
            "answer": "waiting",
            "erase": True,
            "provider": "p" * 24,
            "owner": "p" * 24,
            "office": "o" * 24,
            "period": "7" if family is r.Gaps else "20261101-20261130",
            "value": "v" * 16,
        }
        longest[field.name] = candidates[field.name]
    if family is r.Gaps:
        longest["period"] = "20261101-20261130"
    return family(**longest)


@pytest.mark.parametrize("family", r.FAMILIES, ids=lambda f: f.__name__)
def test_a_family_fits_64_bytes_at_its_longest(family: type[r.Callback]) -> None:
    data = _biggest(family).pack()
    assert len(data.encode()) <= 64
    assert family.parse(data) == _biggest(family)


def test_prefixes_are_unique_and_every_family_is_routed_once() -> None:
    prefixes = [family.prefix for family in r.FAMILIES]
    assert len(prefixes) == len(set(prefixes))
    routed = [route.family for route in handlers.BUTTONS]
    assert sorted(f.__name__ for f in routed) == sorted(f.__name__ for f in r.FAMILIES)


def test_the_words_buttons_carry_are_the_core_s() -> None:
    assert r.ChooseLanguage.pattern().pattern == "lang:(?P<lang>" + "|".join(LANGS) + r")\Z"
    assert r.ChooseChain.parse("vc:-") is not None
    assert all(r.ChooseAudience.parse(f"aud:{a}") for a in AUDIENCES)
    assert all(r.News.parse(f"nw:{t}") for t in NEWS_TOPICS)


def test_a_value_that_would_not_parse_back_is_refused_when_built() -> None:
    for bad in (
        r.EntryCard("Not An Id"),
        r.TopicPage("rules", "farmer", "apple", 1000),
        r.Announcement(1, "pv", "farmer"),
        r.Rate(1, 6),
    ):
        with pytest.raises(ValueError, match="button data"):
            bad.pack()


def test_nothing_else_builds_or_splits_button_data() -> None:
    """Only the routes build callback data, the notifications' buttons included."""
    root = Path(__file__).parent.parent
    offenders = []
    for path in sorted([*root.glob("handlers/*.py"), *root.glob("bot/**/*.py")]):
        if path.name == "routes.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"callback_data=|\.split\(\":\"", text):
            offenders.append(path.name)
    assert offenders == []


STAFF_COMMANDS = ["/reload", "/cases", "/case 1", "/invite", "/report", "/export", "/gaps",
                  "/announce"]  # fmt: skip
STALE = "This button is out of date. Here is the main menu."
NOT_YOURS = "This is not available to you."


async def test_a_client_is_told_the_staff_commands_do_not_exist(harness: Harness) -> None:
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("English")
    for command in STAFF_COMMANDS:
        [answer] = await person.send(command)
        assert "I do not know this command" in answer.text, command


@pytest.mark.parametrize(
    ("data", "toast"),
    [
        ("cl:0", STALE),
        ("rp:w", STALE),
        ("rx:lm", STALE),
        ("gp:30", STALE),
        ("an:1", STALE),
        ("an:1:yes", STALE),
        ("ca:1", NOT_YOURS),
        ("cp:1:damu", NOT_YOURS),
        ("inv:damu", NOT_YOURS),
    ],
)
async def test_a_clients_press_on_a_staff_button_is_refused_as_today(
    harness: Harness, data: str, toast: str
) -> None:
    person = harness.phone(language_code="en")
    await person.send("/start")
    await person.press("English")
    await person.press_data(data)
    answer = harness.fake.calls_to("answerCallbackQuery")[-1]
    assert answer.params.get("text") == toast
    if toast == STALE:
        assert person.last.has_button("Farmer")  # and the menu: here, who they are
