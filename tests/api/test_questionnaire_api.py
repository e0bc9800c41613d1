"""The ethics questionnaire through the API (a real server): a CDE takes one with a recruiter
question by question, finishes it, and finds it on the employer's file; managers edit the
questions; stale versions, unknown answers and finished questionnaires are refused in French."""

from __future__ import annotations

from tests.support.server import LiveServer


def test_a_cde_takes_a_questionnaire_question_by_question_and_finds_it_on_the_file(
    module_server: LiveServer,
) -> None:
    with module_server.client("cde") as cde, module_server.client("cdde") as cdde:
        employer = cde.post(
            "/api/v1/employers", json={"name": "Fournil de l'Horloge", "commune": "Avignon"}
        ).json()
        started = cde.post(f"/api/v1/employers/{employer['id']}/questionnaires")
        assert started.status_code == 201, started.text
        taken = started.json()
        assert taken["completed_at"] is None and len(taken["steps"]) >= 2
        first = taken["steps"][0]
        assert first["step"] == 1 and first["choice"] == "" and len(first["choices"]) >= 2
        url = f"/api/v1/questionnaires/{taken['id']}"
        choice = first["choices"][0]
        body = {"choice": choice, "note": "Prêt à former 🧑‍🍳", "version": taken["version"]}
        answered = cde.put(f"{url}/answers/1", json=body)
        assert answered.status_code == 200, answered.text
        assert answered.json()["steps"][0] | {"choices": []} == {
            **first,
            "choices": [],
            "choice": choice,
            "note": "Prêt à former 🧑‍🍳",
        }
        # The version read before is stale now: refused, the answer kept.
        stale = cde.put(f"{url}/answers/1", json={**body, "choice": first["choices"][1]})
        assert stale.status_code == 409
        version = answered.json()["version"]
        for wrong, status in (
            ({"choice": "Peut-être bien", "version": version}, 422),
            ({"choice": 3, "version": version}, 422),
            ({"choice": "", "note": "x" * 501, "version": version}, 422),
        ):
            refused = cde.put(f"{url}/answers/2", json=wrong)
            assert refused.status_code == status, (wrong, refused.text)
            assert refused.json()["detail"], wrong
        assert cde.put(f"{url}/answers/99", json={"choice": ""}).status_code in (404, 422)
        # A CDDE reads it (employer files are for all staff) but does not take it.
        assert cdde.get(url).status_code == 200
        assert cdde.put(f"{url}/answers/2", json={"choice": ""}).status_code == 403
        done = cde.post(f"{url}/complete", json={"version": version})
        assert done.status_code == 200 and done.json()["completed_at"], done.text
        after = cde.put(f"{url}/answers/2", json={"choice": ""})
        assert after.status_code == 409
        assert "terminé" in after.json()["detail"]
        file = cde.get(f"/api/v1/employers/{employer['id']}").json()
        [kept] = file["questionnaires"]
        assert kept["id"] == taken["id"] and kept["answers"][0]["choice"] == choice
        assert "score" not in str(kept).lower()


def test_managers_edit_the_questions_and_others_cannot(module_server: LiveServer) -> None:
    with module_server.client("manager") as manager, module_server.client("cde") as cde:
        listed = manager.get("/api/v1/questionnaire/questions")
        assert listed.status_code == 200 and listed.json(), listed.text
        added = manager.post(
            "/api/v1/questionnaire/questions",
            json={"text": "Le poste peut-il s'ouvrir à une personne sans diplôme ?"},
        )
        assert added.status_code == 201, added.text
        question = added.json()
        assert question["position"] == max(q["position"] for q in listed.json()) + 1
        url = f"/api/v1/questionnaire/questions/{question['id']}"
        moved = manager.patch(url, json={"asked": False, "version": question["version"]})
        assert moved.status_code == 200 and moved.json()["asked"] is False
        assert manager.patch(url, json={"asked": True, "version": 1}).status_code == 409
        assert (
            manager.post(
                "/api/v1/questionnaire/questions", json={"text": "Oui ?", "choices": ["Oui", "oui"]}
            ).status_code
            == 422
        )
        assert cde.get("/api/v1/questionnaire/questions").status_code == 403
        assert cde.patch(url, json={"asked": True}).status_code == 403
