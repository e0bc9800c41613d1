"""The ethics questionnaire on a phone (390×844): one question a screen with large answers, a
question passed, the summary with no score, finished and dated on the employer's file; a
manager rewording a question. axe-core finds nothing serious or critical."""

from __future__ import annotations

import pytest

from api.models.questionnaire import DEFAULT_QUESTIONS
from tests.admin.conftest import Phone

pytestmark = pytest.mark.browser

LARGE_PX = 52  # the answers are larger than the usual 44 px targets: held at arm's length


def test_a_cde_goes_through_the_questionnaire_with_a_recruiter(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cde")
    with live_server.client("cde") as client:
        garage = client.get("/api/v1/employers", params={"q": "garage mistral"}).json()[0]
    phone.go(f"/admin/employeurs/{garage['id']}")
    phone.page.get_by_role("button", name="Passer le questionnaire avec le recruteur").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith("/1")
    assert phone.page.locator("h1").inner_text() == DEFAULT_QUESTIONS[0][0]
    answers = phone.page.locator("fieldset.answers label")
    assert answers.count() == 4
    for box in (answers.nth(i).bounding_box() for i in range(4)):
        assert box is not None and box["height"] >= LARGE_PX and box["width"] >= 300
    assert phone.axe() == []
    phone.shot("questionnaire_step")
    # Continuing without an answer says so; nothing is lost.
    phone.page.get_by_role("button", name="Continuer").click()
    phone.page.wait_for_load_state()
    assert "Choisissez une réponse" in phone.page.locator("#e-choice").inner_text()
    assert phone.axe() == []
    phone.page.get_by_label("En partie").check()
    phone.page.get_by_text("Ajouter une note (facultatif)").click()
    phone.page.get_by_role("textbox", name="Note").fill("Le permis n'est pas indispensable.")
    phone.page.get_by_role("button", name="Continuer").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith("/2")
    phone.page.get_by_role("button", name="Passer cette question").click()
    phone.page.wait_for_load_state()
    for step in range(3, len(DEFAULT_QUESTIONS) + 1):
        assert phone.page.url.endswith(f"/{step}")
        phone.page.get_by_label("Oui", exact=True).check()
        last = step == len(DEFAULT_QUESTIONS)
        phone.page.get_by_role(
            "button", name="Voir le récapitulatif" if last else "Continuer"
        ).click()
        phone.page.wait_for_load_state()
    # The summary: each answer as said, the question passed left blank, no score anywhere.
    text = phone.page.locator("main").inner_text()
    assert "ne le notent pas" in text
    assert "Le permis n'est pas indispensable." in text
    assert "Sans réponse" in text
    assert "score" not in text.lower() and "/ 7" not in text
    assert phone.axe() == []
    phone.page.get_by_role("button", name="Terminer et enregistrer sur la fiche").click()
    phone.page.wait_for_load_state()
    assert "Questionnaire enregistré sur la fiche" in phone.flash()
    listed = phone.page.locator("#questionnaire ~ ul.list").first.inner_text()
    assert "Passé le" in listed and "6 réponses sur 7" in listed
    assert phone.axe() == []
    with live_server.client("cde") as client:
        file = client.get(f"/api/v1/employers/{garage['id']}").json()
    [taken] = [q for q in file["questionnaires"] if q["completed_at"]]
    assert [a["choice"] for a in taken["answers"][:3]] == ["En partie", "", "Oui"]
    # Finished: its screens no longer take answers.
    phone.go(f"/admin/questionnaires/{taken['id']}/1")
    assert phone.page.url.endswith(f"/admin/questionnaires/{taken['id']}")


def test_a_manager_rewords_a_question(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="manager")
    phone.go("/admin/menu")
    phone.page.get_by_role("link", name="Questions du questionnaire éthique").click()
    phone.page.wait_for_load_state()
    assert phone.axe() == []
    first = phone.page.locator("form.card").first
    first.get_by_role("textbox", name="Question").fill("Le poste peut s'apprendre sur place.")
    first.get_by_role("button", name="Enregistrer la question 1").click()
    phone.page.wait_for_load_state()
    assert "Question enregistrée" in phone.flash()
    assert phone.page.locator("form.card").first.get_by_role(
        "textbox", name="Question"
    ).input_value() == ("Le poste peut s'apprendre sur place.")
    # The demo's questionnaire, taken before, keeps the question as it was asked.
    with live_server.client("manager") as client:
        bakery = client.get("/api/v1/employers", params={"q": "pain d antan"}).json()[0]
        taken = client.get(f"/api/v1/employers/{bakery['id']}").json()["questionnaires"][0]
    assert taken["answers"][0]["question"] == DEFAULT_QUESTIONS[0][0]
    phone.go(f"/admin/questionnaires/{taken['id']}")
    assert DEFAULT_QUESTIONS[0][0] in phone.page.locator("main").inner_text()
    assert phone.axe() == []
