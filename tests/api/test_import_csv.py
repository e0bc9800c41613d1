"""``couloir import csv``: French headers, ``;``, UTF-8 with BOM or Windows-1252, each bad line
reported with its number and reason, the valid ones imported or none when asked (a real
server's database, the real CLI)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import couloir
from tests.support.server import LiveServer

AGENCY = "avignon-joly-jean"
HEADER = "Employeur;Intitulé;Type de contrat;Commune;Nombre de postes;N° d'offre;TPE;Date de début"


def _lines(count: int, marker: str) -> list[str]:
    contracts = ["CDI", "CDD", "Intérim", "Saisonnier", "Apprentissage"]
    return [
        f"Boulangerie l'Épi n° {i} {marker};Boulanger·ère;{contracts[i % 5]};Châteaurenard;"
        f"{1 + i % 3};{180000 + i}AB;{'oui' if i % 2 else 'non'};{1 + i % 28:02d}/12/2026"
        for i in range(count)
    ]


def _offers_count(server: LiveServer, marker: str) -> int:
    with server.client("manager") as manager:
        found = manager.get("/api/v1/offers", params={"q": marker, "status": "open"})
    assert found.status_code == 200
    return len(found.json())


def test_200_lines_with_3_bad_ones_import_197_and_name_each_or_nothing_when_asked(
    module_server: LiveServer, tmp_path: Path
) -> None:
    lines = _lines(200, "cp1252")
    lines[10] = "Garage du Rhône;Mécanicien;Contrat d'un jour;Avignon;1;;non;"
    lines[99] = ";Mécanicien;CDI;Avignon;1;;non;"
    lines[150] = "Garage du Rhône;Mécanicien;CDI;Avignon;beaucoup;;non;"
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252"))
    expected = [
        "ligne 12 : type de contrat inconnu « Contrat d'un jour » (CDI, CDD, intérim, "
        "saisonnier, alternance, stage ou autre)",
        "ligne 101 : colonne vide : Employeur",
        "ligne 152 : nombre de postes illisible « beaucoup »",
    ]
    strict = couloir(
        module_server.env, "import", "csv", str(path), "--agency", AGENCY, "--all-or-nothing"
    )
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert "Traceback" not in strict.stderr
    reported = strict.stderr.strip().splitlines()
    assert reported[:3] == expected
    assert "3 ligne(s) refusée(s) sur 200 : rien n'a été importé." in reported[-1]
    assert _offers_count(module_server, "cp1252") == 0

    done = couloir(module_server.env, "import", "csv", str(path), "--agency", AGENCY)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == expected
    assert "197 offre(s) importée(s)" in done.stdout
    assert "3 ligne(s) refusée(s) sur 200" in done.stdout
    assert _offers_count(module_server, "cp1252") == 197


def test_a_clean_utf8_file_with_bom_imports_every_line_after_a_dry_run(
    module_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(("\n".join([HEADER, *_lines(197, "bom")]) + "\n").encode("utf-8-sig"))
    dry = couloir(module_server.env, "import", "csv", str(path), "--agency", AGENCY, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "197 offre(s) valide(s)" in dry.stdout
    assert _offers_count(module_server, "bom") == 0
    done = couloir(module_server.env, "import", "csv", str(path), "--agency", AGENCY)
    assert done.returncode == 0, done.stderr
    assert "197 offre(s) importée(s)" in done.stdout
    assert _offers_count(module_server, "bom") == 197
    with module_server.client("manager") as manager:
        first = manager.get("/api/v1/offers", params={"q": "n° 0 bom"}).json()
    employers = {o["employer"] for o in first}
    assert "Boulangerie l'Épi n° 0 bom" in employers
    one = next(o for o in first if o["employer"] == "Boulangerie l'Épi n° 0 bom")
    assert (one["contract"], one["commune"], one["ft_offer_id"]) == (
        "CDI",
        "Châteaurenard",
        "180000AB",
    )
    assert one["ft_url"].endswith("/180000AB") and one["start_date"] == "2026-12-01"
    # Each imported offer joins its employer's file (opened by the import when new).
    with module_server.client("cde") as cde:
        file = cde.get(f"/api/v1/employers/{one['employer_id']}").json()
    assert file["employer"]["name"] == "Boulangerie l'Épi n° 0 bom"
    assert one["id"] in [o["id"] for o in file["offers"]]


def test_missing_columns_are_named(module_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Nom;Ville\nGarage;Avignon\n", encoding="utf-8")
    result = couloir(module_server.env, "import", "csv", str(path), "--agency", AGENCY)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Colonnes manquantes : Employeur, Intitulé, Type de contrat, Commune" in result.stderr
