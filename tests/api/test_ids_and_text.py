"""Numbers and texts from outside (issue 9, items 8 and 12).

Ids, offsets and page numbers: every integer parameter of every route is bounded (checked on the
route table, so a new route cannot forget it), and every id route of the JSON API refuses ids no
row can have with a 422, never a 500 (generated from the same table, sent to a live server).

Texts: one rule (``api.domain.text.clean_text``) removes control, direction-changing and invisible
characters before "required" is checked; emoji and accented French stay whole. Tested on the
function, on the models, on the staff pages' form reader, over HTTP and on the screen's snapshot.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from admin.forms import Form
from api.domain.text import clean_text
from api.models.fields import EMPTY_TEXT, MAX_DB_ID, LongText, ShortText
from api.models.offer import OfferCreate
from api.models.staff import StaffCreate
from api.params import MAX_OFFSET
from tests.admin.support import snapshot, wait_for
from tests.support.routes import Param, app_for_tests, parameters
from tests.support.server import LiveServer

BAD_NUMBERS = ["99999999999999999999", "-1", "0", "²", "1e3"]
NEW_OFFER = {"employer": "Boulangerie", "title": "Boulanger", "contract": "CDI", "commune": "Apt"}
# What a person cannot see but a screen obeys: bidi overrides and isolates, zero-width characters,
# BOM, soft hyphen, C0 and C1 controls, Hangul fillers, the blank braille pattern.
INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u061c\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u3164\u115f\u1160\u2800"
    "\x00\x07\x1b\x7f\x85\x9b\x9f"
)
KEPT = [
    "Élodie Bénard-Dupré",
    "Boulangerie « Au pain d'antan »",
    "Crêperie 🥞 Ker Ys",
    "Équipe 👩‍💻 numérique",  # ZWJ sequence
    "Famille 👨‍👩‍👧‍👦",
    "Cœur ❤️‍🔥",  # heart, VS16, ZWJ, fire
    "France 🇫🇷 Bretagne 🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # regional indicators; a flag made of tag characters
    "Touche 1️⃣ et pouce 👍🏽",
    "Prix\u00a0: 12\u202f€",  # French spacing before the colon, inside a price
    "می‌خواهم",  # Persian: ZWNJ inside a word
]


# --- the route table (in-process) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def route_params(tmp_path_factory: pytest.TempPathFactory) -> list[Param]:
    return parameters(app_for_tests(tmp_path_factory.mktemp("routes")))


def test_every_integer_parameter_of_every_route_is_bounded(route_params: list[Param]) -> None:
    numbers = [p for p in route_params if p.is_int]
    assert len(numbers) >= 50, "the walk over the route table found too few parameters"
    unbounded = [
        f"{'/'.join(p.methods)} {p.path} {p.where}:{p.name}"
        for p in numbers
        if (p.bound("ge") if p.bound("ge") is not None else p.bound("gt")) is None
        or (p.bound("le") if p.bound("le") is not None else p.bound("lt")) is None
        or (p.bound("le") or p.bound("lt") or 0) > MAX_DB_ID
    ]
    assert unbounded == []


def test_every_path_parameter_naming_a_row_is_parsed_as_an_integer(
    route_params: list[Param],
) -> None:
    by_hand = [
        f"{p.path} {p.name}"
        for p in route_params
        if p.where == "path" and p.name.endswith("_id") and not p.is_int
    ]
    assert by_hand == []


# --- every id route of the API, live ------------------------------------------------------------


def _url(param: Param, value: str) -> str:
    """The route's path with ``value`` in ``param`` and 1 in every other path parameter."""
    path = param.path
    if param.where == "path":
        for template in ("{" + param.name + "}", "{" + param.name + ":int}"):
            path = path.replace(template, quote(value, safe=""))
    while "{" in path:
        start = path.index("{")
        path = path[:start] + "1" + path[path.index("}", start) + 1 :]
    return f"{path}?{param.name}={quote(value, safe='')}" if param.where == "query" else path


def _out_of_bounds(param: Param) -> list[str]:
    """The bad numbers this parameter must refuse (0 is a fine offset)."""
    low, high = param.bound("ge") or 0, param.bound("le") or 0
    return [
        v
        for v in [*BAD_NUMBERS, str(10**33)]
        if not (v.isascii() and v.lstrip("-").isdigit() and low <= int(v) <= high)
    ]


def test_bad_ids_and_offsets_on_every_api_route_are_a_422_never_a_500(
    module_server: LiveServer, route_params: list[Param]
) -> None:
    cases = [p for p in route_params if p.is_int and p.path.startswith("/api/")]
    assert len(cases) >= 25
    manager, screen = module_server.client("manager"), module_server.screen_client()
    wrong = []
    with manager, screen:
        for param in cases:
            client = screen if param.path.startswith("/api/v1/display/") else manager
            for method in param.methods:
                for value in _out_of_bounds(param):
                    body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                    answer = client.request(method, _url(param, value), **body)
                    places = [
                        e.get("loc")
                        for e in (answer.json().get("detail") if answer.status_code == 422 else [])
                    ]
                    # A ``{id:int}`` path only matches digits: anything else names no route.
                    unmatched = ":int}" in param.path and not (value.isascii() and value.isdigit())
                    if unmatched and answer.status_code == 404:
                        continue
                    if answer.status_code != 422 or [param.where, param.name] not in places:
                        wrong.append(f"{method} {_url(param, value)} → {answer.status_code}")
    assert wrong == []


def test_the_journal_offset_is_bounded_like_every_list(module_server: LiveServer) -> None:
    with module_server.client("manager") as manager:
        assert manager.get("/api/v1/audit", params={"offset": 10**33}).status_code == 422
        assert manager.get("/api/v1/audit", params={"offset": MAX_OFFSET + 1}).status_code == 422
        assert manager.get("/api/v1/audit", params={"offset": MAX_OFFSET}).json() == []


# --- the cleaning rule (in-process) -------------------------------------------------------------


@pytest.mark.parametrize("text", KEPT)
def test_accented_french_and_emoji_stay_whole(text: str) -> None:
    assert clean_text(text) == text
    assert clean_text(text, multiline=True) == text


@pytest.mark.parametrize(
    ("raw", "one_line", "multi_line"),
    [
        ("\u200b", "", ""),
        ("\u202e\u2066\u200f", "", ""),
        ("\x85\x9b\x9f", "", ""),
        ("\u3164\u2800\u115f", "", ""),
        ("\u0301", "", ""),  # an accent on nothing
        ("\u200d", "", ""),  # a joiner with nothing to join
        (
            "Boulangerie\u202e du\u200b  Rempart\x1b[31m",
            "Boulangerie du Rempart[31m",
            "Boulangerie du  Rempart[31m",  # spaces are the writer's own in a long text
        ),
        ("moc.elpmaxe@\u202eeve", "moc.elpmaxe@eve", None),
        ("Ligne 1\r\nLigne 2\u2028\tfin ", "Ligne 1 Ligne 2 fin", "Ligne 1\nLigne 2\n\tfin"),
        ("Cafe\u0301", "Café", "Café"),  # NFC
        ("e\u200b\u0301", "é", "é"),  # the accent joins its letter once the space is gone
    ],
)
def test_invisible_and_control_characters_are_removed(
    raw: str, one_line: str, multi_line: str | None
) -> None:
    assert clean_text(raw) == one_line
    assert clean_text(raw, multiline=True) == (one_line if multi_line is None else multi_line)


def _invisible_left(text: str, *, multiline: bool) -> list[str]:
    allowed = "\n\t" if multiline else ""
    return [
        f"U+{ord(ch):04X}"
        for ch in text
        if ch in INVISIBLE.replace("\u200c", "").replace("\u200d", "")
        or (unicodedata.category(ch) == "Cc" and ch not in allowed)
        or (
            (unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d")
            and not "\U000e0020" <= ch <= "\U000e007f"
        )
    ]


texts = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(INVISIBLE + " \n\r\t\u00a0\u202f\u2028"),
        st.sampled_from(["👩‍💻", "🇫🇷", "é", "Œ", "❤️‍🔥", "\u0301", "\U0001f3f4\U000e0067"]),
    ),
    max_size=60,
).map("".join)


@given(texts, st.booleans())
def test_cleaning_is_idempotent_and_leaves_nothing_invisible(raw: str, multiline: bool) -> None:
    text = clean_text(raw, multiline=multiline)
    assert clean_text(text, multiline=multiline) == text
    assert _invisible_left(text, multiline=multiline) == []
    assert text == text.strip()
    assert unicodedata.is_normalized("NFC", text)
    if not multiline:
        assert "\n" not in text and "  " not in text
    if text:  # what is left shows something
        assert any(unicodedata.category(ch)[0] in "LNPS" for ch in text)


words = st.lists(
    st.one_of(
        st.characters(categories=["Lu", "Ll", "Nd", "Po", "Sm", "So"]),
        st.sampled_from(["é", "è", "ç", "Œ", "👩‍💻", "🇫🇷", "👍🏽", "❤️"]),
    ),
    min_size=1,
    max_size=12,
).map("".join)


@given(st.lists(words, min_size=1, max_size=6))
def test_visible_text_comes_out_as_it_went_in(parts: list[str]) -> None:
    text = unicodedata.normalize("NFC", " ".join(parts))
    assert clean_text(text) == text


@given(texts)
def test_the_api_and_the_staff_pages_clean_alike(raw: str) -> None:
    form = Form(values={"name": raw})
    typed = form.text("name", required=True)
    try:
        model: str | None = TypeAdapter(ShortText).validate_python(raw)
    except ValidationError:
        model = None
    assert typed == model
    long_form = Form(values={"story": raw}).text("story", max_length=4000) or ""
    assert long_form == TypeAdapter(LongText).validate_python(raw)


@pytest.mark.parametrize("name", ["\u200b", "\u202e", "\x85\x9f", "\u3164", " \u200b\u2060 "])
def test_a_name_of_invisible_characters_is_refused_in_french(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        OfferCreate(**{**NEW_OFFER, "employer": name})
    assert refused.value.errors()[0]["msg"] == EMPTY_TEXT
    with pytest.raises(ValidationError):
        StaffCreate(name=name, email="lea@example.fr", role="cde", password="Cerisier-Lavande-1789")
    form = Form(values={"employer": name})
    assert form.text("employer", required=True) is None
    assert form.errors == {"employer": "Ce champ est obligatoire."}


def test_an_email_is_cleaned_before_its_shape_is_checked() -> None:
    person = StaffCreate(
        name="Léa", email="\u200bLea@Example.FR\u202c", role="cde", password="Cerisier-Lavande-1789"
    )
    assert person.email == "lea@example.fr"
    with pytest.raises(ValidationError):
        StaffCreate(
            name="Léa", email="\u202e@\u200b.fr", role="cde", password="Cerisier-Lavande-1789"
        )


# --- over HTTP, up to the screen ----------------------------------------------------------------


def _reasons(answer: Any) -> dict[str, str]:
    return {str(e["loc"][-1]): e["msg"] for e in answer.json()["detail"]}


def test_invisible_names_are_refused_and_the_screen_shows_clean_text(
    module_server: LiveServer,
) -> None:
    with module_server.client("cde") as cde, module_server.client("manager") as manager:
        for field in ("employer", "title", "commune"):
            answer = cde.post("/api/v1/offers", json={**NEW_OFFER, field: "\u200b\u202e\x9b"})
            assert answer.status_code == 422
            assert _reasons(answer) == {field: EMPTY_TEXT}
        answer = manager.post(
            "/api/v1/staff",
            json={
                "name": "\u3164",
                "email": "x@example.fr",
                "role": "cde",
                "password": "Cerisier-Lavande-1789",
            },
        )
        assert answer.status_code == 422 and _reasons(answer)["name"] == EMPTY_TEXT
        answer = manager.post(
            "/api/v1/announcements",
            json={
                "message": "\u2800\u200b",
                "starts_at": "2030-01-01T08:00:00Z",
                "ends_at": "2030-01-01T09:00:00Z",
            },
        )
        assert answer.status_code == 422 and _reasons(answer)["message"] == EMPTY_TEXT

        created = cde.post(
            "/api/v1/offers",
            json={
                **NEW_OFFER,
                "employer": "\u202eBoulangerie\u200b  🥖\u2066 Élodie\x9b\u202c",
                "title": "Boulanger·e 👩‍🍳 🇫🇷\ufeff",
            },
        )
        assert created.status_code == 201, created.text
        offer = created.json()
        assert offer["employer"] == "Boulangerie 🥖 Élodie"
        assert offer["title"] == "Boulanger·e 👩‍🍳 🇫🇷"
    shown = wait_for(
        lambda: [o for o in snapshot(module_server)["offers"] if o["code"] == offer["code"]]
    )
    assert shown[0]["employer"] == "Boulangerie 🥖 Élodie"
    assert shown[0]["title"] == "Boulanger·e 👩‍🍳 🇫🇷"
