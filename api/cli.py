"""The ``couloir`` command: serve, demo, seed, users, screens, backup, check, display."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from api import __version__
from api.cli_french import FrenchParser
from api.errors import SettingsError

if TYPE_CHECKING:  # the service's layers are imported only by the commands that use them
    from sqlmodel import Session

    from api.settings import Settings

DEMO_ACCOUNTS_FILE = "demo-accounts.txt"
_FIELD_LABELS = {
    "password": "mot de passe",
    "email": "e-mail",
    "name": "nom",
    "role": "rôle",
    "code": "code",
    "timezone": "fuseau horaire",
}


def _invalid_field(exc: ValidationError) -> str:
    """The first invalid field of a command's arguments, said in French."""
    first = exc.errors()[0]
    label = _FIELD_LABELS.get(str(first["loc"][0]), str(first["loc"][0]))
    if first["type"] == "string_pattern_mismatch":
        return f"{label} : minuscules sans accents, chiffres et tirets seulement"
    if first["type"] in {"string_too_short", "string_too_long"}:
        limit = first.get("ctx", {}).get("min_length") or first.get("ctx", {}).get("max_length")
        return f"{label} : {limit} caractères au {'moins' if 'short' in first['type'] else 'plus'}"
    return f"{label} : {first['msg'].removeprefix('Value error, ')}"


def _fail(message: str, code: int = 2) -> int:
    print(f"couloir: {message}", file=sys.stderr)
    return code


_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def _read_only_folder(folder: Path) -> str:
    return (
        f"dossier {folder} en lecture seule : rendez-le inscriptible par l'utilisateur du service "
        "(chown/chmod, ou montage en écriture) ou choisissez un autre COULOIR_DATA_DIR"
    )


def _disk_full(folder: Path) -> str:
    return f"plus de place sur le disque de {folder} : libérez de l'espace puis relancez"


def _explain_sqlite(text: str, path: Path) -> str | None:
    if "not a database" in text or "malformed" in text:
        return (
            f"le fichier {path} n'est pas une base SQLite (corrompu ou d'un autre programme) : "
            "restaurez une sauvegarde à sa place, ou déplacez-le pour repartir d'une base vide"
        )
    if "disk is full" in text:
        return _disk_full(path.parent)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        writable = os.access(path.parent, os.W_OK) and (
            not path.exists() or os.access(path, os.W_OK)
        )
        if not writable:
            return _read_only_folder(path.parent)
        return f"impossible d'ouvrir la base {path} : vérifiez ce fichier et les droits du dossier"
    if "locked" in text:
        return f"la base {path} est verrouillée par un autre programme : arrêtez-le puis relancez"
    return None


def _explain_postgres(text: str, sqlstate: str | None, url: str) -> str:
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    where = f"{parts.host or 'localhost'}:{parts.port or 5432}"
    if sqlstate == "28P01" or "password authentication failed" in text:
        return (
            f"PostgreSQL ({where}) refuse le mot de passe de l'utilisateur « {parts.username} » : "
            "corrigez-le dans COULOIR_DATABASE_URL"
        )
    if sqlstate == "3D000" or ("database" in text and "does not exist" in text):
        return (
            f"la base « {parts.database} » n'existe pas sur PostgreSQL ({where}) : créez-la "
            "(createdb) ou corrigez COULOIR_DATABASE_URL"
        )
    if sqlstate == "53100" or "no space left" in text:
        return f"le serveur PostgreSQL ({where}) manque de place disque : libérez de l'espace"
    if "refused" in text or "timeout" in text or "could not translate host" in text:
        return (
            f"PostgreSQL injoignable sur {where} : vérifiez que le serveur tourne et "
            "COULOIR_DATABASE_URL"
        )
    return f"PostgreSQL ({where}) a refusé la connexion : vérifiez COULOIR_DATABASE_URL"


def explain_failure(exc: BaseException, settings: Settings | None = None) -> str | None:
    """One French line saying what is wrong with the database or the data folder, and the fix.

    Used by every command for errors met while opening, migrating or writing the database or
    the data folder; None when ``exc`` is something else (a bug keeps its traceback).

    For instance, ``sqlite3.DatabaseError("file is not a database")`` gives « le fichier
    /srv/couloir/couloir.db n'est pas une base SQLite (…) : restaurez une sauvegarde… ».
    """
    from sqlalchemy.exc import DBAPIError

    if settings is None:
        from api.settings import Settings

        try:
            settings = Settings()
        except ValidationError:
            return None
    url = settings.resolved_database_url
    if isinstance(exc, DBAPIError):
        exc = exc.orig if isinstance(exc.orig, BaseException) else exc
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        folder = Path(exc.filename).parent if exc.filename else settings.data_dir
        if exc.errno in _READ_ONLY_ERRNOS:
            return _read_only_folder(folder)
        if exc.errno in _DISK_FULL_ERRNOS:
            return _disk_full(folder)
        if exc.filename and Path(exc.filename).is_relative_to(settings.data_dir):
            return (
                f"dossier de données {settings.data_dir} inutilisable ({exc.strerror}) : "
                "vérifiez COULOIR_DATA_DIR"
            )
        return None
    text = str(exc).lower()
    if url.startswith("sqlite"):
        if not isinstance(exc, sqlite3.Error):
            return None
        return _explain_sqlite(text, Path(url.removeprefix("sqlite:///")))
    if type(exc).__module__.startswith("psycopg"):
        return _explain_postgres(text, getattr(exc, "sqlstate", None), url)
    return None


def _ready_settings() -> Settings:
    """Settings, with the database created or upgraded to the latest schema."""
    from api.db import get_engine
    from api.migrate import upgrade
    from api.settings import load_settings

    settings = load_settings()
    upgrade(get_engine(settings), data_dir=settings.data_dir)
    return settings


def _session(settings: Settings) -> Session:
    from sqlmodel import Session

    from api.db import get_engine

    return Session(get_engine(settings), expire_on_commit=False)


def cmd_serve(args: argparse.Namespace) -> int:
    """Upgrade the database, then serve the API and staff pages (in ``--workers`` processes)."""
    import uvicorn

    from api.db import get_engine
    from api.services.housekeeping import sweep

    if args.workers < 1:
        return _fail("--workers : au moins 1")
    settings = _ready_settings()
    if args.workers > 1 and settings.is_sqlite:
        return _fail(
            "--workers supérieur à 1 demande PostgreSQL (COULOIR_DATABASE_URL) : avec SQLite, "
            "un processus n'apprend pas les changements faits par un autre"
        )
    sweep(get_engine(settings))  # then every few minutes, from the application's lifespan
    # Each worker builds its application from the same environment.
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        # Event streams end as soon as the signal arrives (api.changes.draining); this is for
        # the ordinary requests still running.
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    """Bring the database to the latest schema."""
    from api.db import get_engine
    from api.migrate import current_revision

    settings = _ready_settings()
    print(f"base de données à jour (révision {current_revision(get_engine(settings))})")
    return 0


def _write_demo_accounts(settings: Settings, accounts: dict[str, tuple[str, str]]) -> Path:
    path = settings.data_dir / DEMO_ACCOUNTS_FILE
    lines = [f"{role}\t{email}\t{password}" for role, (email, password) in accounts.items()]
    path.touch(mode=0o600, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _print_demo_accounts(settings: Settings) -> None:
    path = settings.data_dir / DEMO_ACCOUNTS_FILE
    if not path.exists():
        return
    print("Comptes de démonstration (démo uniquement) :")
    for line in path.read_text().splitlines():
        role, email, password = line.split("\t")
        print(f"  {role:8} {email:40} {password}")


def _seed_demo(settings: Settings) -> bool:
    """Seed the demo agency if absent; True when it was created now."""
    from api.demo import is_seeded, seed_demo

    with _session(settings) as db:
        if is_seeded(db):
            return False
        accounts = seed_demo(db)
    _write_demo_accounts(settings, accounts.by_role)
    return True


def cmd_seed(args: argparse.Namespace) -> int:
    """Load the demo data (only ``--demo`` exists)."""
    if not args.demo:
        return _fail("précisez --demo (seules les données de démonstration existent)")
    settings = _ready_settings()
    if not _seed_demo(settings):
        return _fail("les données de démonstration sont déjà là", code=1)
    _print_demo_accounts(settings)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed if empty, then serve with a corridor screen beside the server."""
    from api.demo import demo_screen_token

    settings = _ready_settings()
    _seed_demo(settings)
    token_file = settings.data_dir / "demo-screen-token"
    if not token_file.exists():
        with _session(settings) as db:
            token_file.touch(mode=0o600)
            token_file.write_text(demo_screen_token(db))
    _print_demo_accounts(settings)
    from api.demo_runner import demo_public_url, exit_at_once, how_to_reach, lan_address, run_demo

    lan = lan_address()
    if "COULOIR_PUBLIC_URL" not in os.environ:  # QR codes lead where phones can go
        settings = settings.model_copy(
            update={"public_url": demo_public_url(args.host, args.port, lan)}
        )
    print("\n".join(how_to_reach(args.host, args.port, lan, token_file)), flush=True)
    token = token_file.read_text().strip()
    exit_at_once(run_demo(settings, args.host, args.port, token, args.screen))


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create a staff account; the password is read from standard input."""
    from api.models.staff import StaffCreate
    from api.services import staff as staff_service

    settings = _ready_settings()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
    try:
        data = StaffCreate(name=args.name, email=args.email, role=args.role, password=password)
    except ValidationError as exc:
        return _fail(_invalid_field(exc))
    with _session(settings) as db:
        agency = staff_service.get_agency(db, args.agency)
        person = staff_service.create_staff(db, None, agency.id, data)
    print(f"compte créé : {person.email} ({person.role}, {agency.code})")
    return 0


def cmd_agency_add(args: argparse.Namespace) -> int:
    """Create an agency (the first one of a central database, before any account)."""
    from api.models.agency import AgencyCreate
    from api.services import agencies

    settings = _ready_settings()
    try:
        data = AgencyCreate(code=args.code, name=args.name, timezone=args.timezone)
    except ValidationError as exc:
        return _fail(_invalid_field(exc))
    with _session(settings) as db:
        agency = agencies.create_agency(db, None, data)
    print(f"agence créée : {agency.code} ({agency.name}, {agency.timezone})")
    return 0


def cmd_screen_add(args: argparse.Namespace) -> int:
    """Register a screen; its token is printed on the last line."""
    from api.models.screen import ScreenCreate
    from api.services import screens
    from api.services import staff as staff_service

    settings = _ready_settings()
    try:
        data = ScreenCreate(name=args.name)
    except ValidationError as exc:
        return _fail(f"nom : {exc.errors()[0]['msg']}")
    with _session(settings) as db:
        agency = staff_service.get_agency(db, args.agency)
        screen, token = screens.create_screen(db, None, agency.id, data)
    print(
        f"écran « {screen.name} » enregistré pour {agency.code}. Jeton (affiché une seule fois) :"
    )
    print(token)
    return 0


def cmd_import_csv(args: argparse.Namespace) -> int:
    """Import offers from a CSV export: every bad line reported, all-or-nothing."""
    from api.services import offer_import
    from api.services import staff as staff_service

    settings = _ready_settings()
    report = offer_import.read_csv(Path(args.file).read_bytes())
    for line, reason in report.rejected:
        print(f"ligne {line} : {reason}", file=sys.stderr)
    total = len(report.rejected) + len(report.offers)
    if report.rejected and (args.all_or_nothing or not report.offers):
        return _fail(
            f"{len(report.rejected)} ligne(s) refusée(s) sur {total} : rien n'a été importé.",
            code=1,
        )
    if args.dry_run:
        print(f"{len(report.offers)} offre(s) valide(s) ; essai à blanc : rien n'a été importé.")
        return 0
    with _session(settings) as db:
        agency = staff_service.get_agency(db, args.agency)
        owner = offer_import.default_owner(db, agency.id)
        written = offer_import.write_offers(db, owner, report)
    refused = (
        f" ; {len(report.rejected)} ligne(s) refusée(s) sur {total}" if report.rejected else ""
    )
    print(f"{written} offre(s) importée(s) pour {agency.code} (confiées à {owner.name}){refused}.")
    return 0


def cmd_import_francetravail(args: argparse.Namespace) -> int:
    """Search the agency's communes for small businesses' offers and file them « À importer »."""
    from api.francetravail.client import FranceTravailClient
    from api.services import francetravail_suggestions as suggestions
    from api.services import staff as staff_service

    settings = _ready_settings()
    with _session(settings) as db:
        agency = staff_service.get_agency(db, args.agency)
        communes = (
            suggestions.parse_communes(args.communes)
            if args.communes is not None
            else suggestions.communes_of(db, agency.id)
        )
        if not communes:
            return _fail(
                f"aucune commune pour l'agence {agency.code} : donnez-les avec --communes "
                "(codes INSEE séparés par des virgules, comme 72181,72124)"
            )
        with FranceTravailClient.from_settings(settings) as client:
            found = suggestions.search(client, communes)
        for prefill in found:
            flag = " · manque de candidats" if prefill.lacks_candidates else ""
            print(
                f"{prefill.ft_offer_id} · {prefill.title} · {prefill.employer or 'employeur ?'} "
                f"· {prefill.commune or 'commune ?'}{flag}"
            )
        lacking = sum(p.lacks_candidates for p in found)
        if args.dry_run:
            print(
                f"{len(found)} offre(s) de TPE trouvée(s), dont {lacking} en manque de candidats ; "
                "essai à blanc : rien n'a été enregistré."
            )
            return 0
        if args.communes is not None:
            suggestions.set_communes(db, agency, communes)
        filed = suggestions.file_suggestions(db, agency.id, found)
    print(
        f"{len(found)} offre(s) de TPE trouvée(s), dont {lacking} en manque de candidats : "
        f"{filed.new} nouvelle(s) dans « À importer », {filed.known} déjà proposée(s), "
        f"{filed.dismissed} déjà écartée(s), {filed.linked} déjà suivie(s) par l'agence."
    )
    return 0


def cmd_sync_francetravail(args: argparse.Namespace) -> int:
    """Refresh the linked offers from France Travail now (the server also does it on its own)."""
    from api.db import get_engine
    from api.services import francetravail_sync

    settings = _ready_settings()
    if not (settings.france_travail_client_id and settings.france_travail_client_secret):
        return _fail(
            "la liaison avec France Travail n'est pas configurée (COULOIR_FRANCE_TRAVAIL_CLIENT_ID "
            "et COULOIR_FRANCE_TRAVAIL_CLIENT_SECRET)"
        )
    report = francetravail_sync.sync_once(get_engine(settings), settings, force=True)
    if report is None:
        print("Une synchronisation est déjà en cours (autre processus ou serveur) : rien à faire.")
        return 0
    print(
        f"{report.checked} offre(s) vérifiée(s) : {report.updated} mise(s) à jour, "
        f"{report.kept} modifiée(s) chez France Travail mais gardée(s) telles que le CDE les a "
        f"écrites, {report.withdrawn} retirée(s) chez France Travail, {report.malformed} "
        "illisible(s)."
    )
    if report.failed:
        return _fail(f"synchronisation interrompue : {report.failed}", code=1)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database while the server runs (pg_dump on PostgreSQL)."""
    from api.backup import backup_sqlite
    from api.settings import load_settings

    settings = load_settings()
    if not settings.is_sqlite:
        return _backup_postgresql(settings, Path(args.file))
    source = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    if not source.exists():
        return _fail(f"aucune base à sauvegarder : {source}")
    target = Path(args.file)
    if target.exists() and target.is_dir():
        return _fail(f"{target} est un dossier : donnez un nom de fichier")
    target.parent.mkdir(parents=True, exist_ok=True)
    backup_sqlite(source, target)  # whole or not at all: no .partial left on a full disk
    print(f"sauvegarde écrite : {target} ({target.stat().st_size} octets)")
    return 0


def _backup_postgresql(settings: Settings, target: Path) -> int:
    """``couloir backup`` on PostgreSQL: a pg_dump archive (custom format)."""
    from api.backup import BackupError, backup_postgresql

    if target.is_dir():
        return _fail(f"{target} est un dossier : donnez un nom de fichier")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        backup_postgresql(settings.resolved_database_url, target)
    except BackupError as exc:
        return _fail(exc.message, exc.code)
    print(f"sauvegarde écrite : {target} ({target.stat().st_size} octets, archive pg_dump)")
    return 0


def _confirm(question: str) -> bool:
    print(question)
    try:
        answer = input("Confirmer ? [o/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in {"o", "oui", "y", "yes"}


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database by a backup (older schemas upgraded, newer ones refused)."""
    from api.backup import BackupError, restore
    from api.settings import load_settings

    settings = load_settings()
    try:
        done = restore(
            settings, Path(args.file), confirm=(lambda _: True) if args.yes else _confirm
        )
    except BackupError as exc:
        return _fail(exc.message, exc.code)
    upgraded = f", mise à jour en {done.head}" if done.revision != done.head else ""
    print(f"base restaurée depuis {args.file} (schéma {done.revision}{upgraded})")
    if done.replaced_copy is not None:
        print(f"la base remplacée est gardée dans {done.replaced_copy}")
    print("redémarrez le service pour que les pages et les écrans repartent de ces données")
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    """Say what is wrong with settings, database and migrations, and how to fix it."""
    from api.db import get_engine
    from api.migrate import current_revision, head_revision
    from api.settings import load_settings

    problems: list[str] = []
    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(f"réglage invalide — {exc}")
    except OSError as exc:
        return _fail(explain_failure(exc) or f"COULOIR_DATA_DIR : {exc}")
    print(f"données : {settings.data_dir}")
    print(f"base : {settings.resolved_database_url.split('@')[-1]}")
    try:
        current = current_revision(get_engine(settings))
    except Exception as exc:
        reason = explain_failure(exc, settings)
        print(f"PROBLÈME : {reason or f'base injoignable ({type(exc).__name__})'}")
        if reason is None:
            print("PROBLÈME : vérifiez COULOIR_DATABASE_URL")
        return 2
    else:
        if current != head_revision():
            problems.append(
                f"schéma en révision {current}, attendu {head_revision()} : "
                "lancez `couloir migrate`"
            )
    if settings.env == "production" and settings.public_url.startswith("http://localhost"):
        problems.append("COULOIR_PUBLIC_URL vaut localhost : les QR codes ne marcheront pas")
    for problem in problems:
        print(f"PROBLÈME : {problem}")
    if not problems:
        print("tout va bien")
    return 1 if problems else 0


def add_listen_options(command: argparse.ArgumentParser) -> None:
    """``--host`` and ``--port``, as ``serve`` and ``demo`` take them."""
    command.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADRESSE",
        help="adresse d'écoute ; 0.0.0.0 pour les téléphones du réseau local",
    )
    command.add_argument("--port", type=int, default=8000, help="port d'écoute")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = FrenchParser(prog="couloir", description="Tableau de couloir d'agence.")
    parser.add_argument(
        "--version",
        action="version",
        version=f"couloir {__version__}",
        help="affiche la version et quitte",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, title="commandes", metavar="COMMANDE"
    )

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_, description=help_)
        command.set_defaults(func=func)
        return command

    serve = add("serve", cmd_serve, "Met la base à jour puis sert l'API et les pages.")
    add_listen_options(serve)
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="détail du journal",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processus serveurs sur ce port (plus d'un : PostgreSQL seulement)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADRESSES",
        help="adresses des relais (Caddy…) dont on croit X-Forwarded-For, séparées par des "
        "virgules ; par défaut 127.0.0.1",
    )

    demo = add("demo", cmd_demo, "Démo : données d'exemple, serveur et écran de couloir.")
    add_listen_options(demo)
    demo.add_argument(
        "--screen",
        choices=["auto", "window", "headless", "none"],
        default="auto",
        help="écran de couloir : fenêtre, hors écran (aperçu dans Écrans) ou aucun",
    )

    seed = add("seed", cmd_seed, "Charge les données de démonstration.")
    seed.add_argument("--demo", action="store_true", help="données de l'agence Avignon Joly Jean")

    add("migrate", cmd_migrate, "Met le schéma de la base à jour.")
    add("check", cmd_check, "Vérifie réglages, base et migrations.")

    backup = add(
        "backup",
        cmd_backup,
        "Copie cohérente de la base, serveur en marche (SQLite : fichier .db ; PostgreSQL : "
        "archive pg_dump).",
    )
    backup.add_argument("file", metavar="FICHIER", help="fichier de destination")

    restore = add(
        "restore",
        cmd_restore,
        "Remplace la base par une sauvegarde de couloir backup : vérifiée d'abord, schéma "
        "plus ancien mis à jour, plus récent refusé ; la base remplacée est gardée dans "
        "DATA_DIR/restore-copies.",
    )
    restore.add_argument("file", metavar="FICHIER", help="la sauvegarde (.db ou .dump)")
    restore.add_argument("--yes", action="store_true", help="ne demande pas de confirmation")

    user = sub.add_parser("user", help="Comptes du personnel.").add_subparsers(
        dest="user_command", required=True, title="commandes", metavar="COMMANDE"
    )
    user_add = user.add_parser("add", help="Crée un compte.", description="Crée un compte.")
    user_add.set_defaults(func=cmd_user_add)
    user_add.add_argument("email", metavar="EMAIL", help="adresse e-mail, qui sert d'identifiant")
    user_add.add_argument("--name", required=True, metavar="NOM", help="prénom et nom affichés")
    user_add.add_argument(
        "--role",
        required=True,
        choices=["cde", "cdde", "manager", "admin"],
        help="cde : entreprises ; cdde : demandeurs d'emploi ; manager : équipe ; admin : agences",
    )
    user_add.add_argument("--agency", required=True, metavar="CODE", help="code de l'agence")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="lit le mot de passe sur stdin"
    )

    agency = sub.add_parser("agency", help="Agences.").add_subparsers(
        dest="agency_command", required=True, title="commandes", metavar="COMMANDE"
    )
    agency_add = agency.add_parser(
        "add", help="Crée une agence.", description="Crée une agence (avant ses comptes)."
    )
    agency_add.set_defaults(func=cmd_agency_add)
    agency_add.add_argument(
        "code", metavar="CODE", help="code court : minuscules, chiffres et tirets"
    )
    agency_add.add_argument("name", metavar="NOM", help="nom affiché")
    agency_add.add_argument("--timezone", default="Europe/Paris", help="fuseau horaire")

    screen = sub.add_parser("screen", help="Écrans de couloir.").add_subparsers(
        dest="screen_command", required=True, title="commandes", metavar="COMMANDE"
    )
    screen_add = screen.add_parser(
        "add", help="Enregistre un écran.", description="Enregistre un écran et affiche son jeton."
    )
    screen_add.set_defaults(func=cmd_screen_add)
    screen_add.add_argument("name", metavar="NOM", help="nom de l'écran (« Couloir du 1er étage »)")
    screen_add.add_argument("--agency", required=True, metavar="CODE", help="code de l'agence")

    imports = sub.add_parser("import", help="Import d'offres.").add_subparsers(
        dest="import_command", required=True, title="commandes", metavar="COMMANDE"
    )
    import_csv = imports.add_parser(
        "csv",
        help="Importe des offres depuis un fichier CSV.",
        description="Importe des offres depuis un export CSV (en-têtes français, « ; », UTF-8 "
        "ou Windows-1252). Chaque ligne refusée est signalée avec son numéro ; les lignes "
        "valides sont importées, ou rien du tout avec --all-or-nothing.",
    )
    import_csv.set_defaults(func=cmd_import_csv)
    import_csv.add_argument("file", metavar="FICHIER", help="le fichier CSV")
    import_csv.add_argument("--agency", required=True, metavar="CODE", help="code de l'agence")
    import_csv.add_argument(
        "--dry-run", action="store_true", help="vérifie le fichier sans rien importer"
    )
    import_csv.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="tout ou rien : n'importe rien dès qu'une ligne est refusée",
    )

    import_ft = imports.add_parser(
        "francetravail",
        help="Cherche les offres des TPE des communes de l'agence chez France Travail.",
        description="Cherche chez France Travail les offres des entreprises de moins de 10 "
        "salariés dans les communes de l'agence et les range dans « À importer » (celles en "
        "manque de candidats d'abord). Les offres écartées ne reviennent pas.",
    )
    import_ft.set_defaults(func=cmd_import_francetravail)
    import_ft.add_argument("--agency", required=True, metavar="CODE", help="code de l'agence")
    import_ft.add_argument(
        "--communes",
        default=None,
        metavar="CODES",
        help="codes INSEE des communes de l'agence, séparés par des virgules (enregistrés) ; "
        "sans lui, ceux déjà enregistrés",
    )
    import_ft.add_argument(
        "--dry-run", action="store_true", help="affiche les offres trouvées sans rien enregistrer"
    )

    sync = sub.add_parser("sync", help="Synchronisations.").add_subparsers(
        dest="sync_command", required=True, title="commandes", metavar="COMMANDE"
    )
    sync_ft = sync.add_parser(
        "francetravail",
        help="Met à jour les offres liées depuis France Travail, maintenant.",
        description="Met à jour maintenant les offres liées à France Travail (le serveur le "
        "fait aussi tout seul, toutes les COULOIR_FRANCE_TRAVAIL_SYNC_MINUTES minutes). Les "
        "champs propres à Couloir ne sont jamais touchés.",
    )
    sync_ft.set_defaults(func=cmd_sync_francetravail)

    try:
        from display.cli import register
    except ImportError:
        pass
    else:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``couloir`` console script."""
    from sqlalchemy.exc import DBAPIError

    from api.errors import DomainError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        return _fail(f"réglage invalide — {exc}")
    except DomainError as exc:
        return _fail(exc.message, code=1)
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        reason = explain_failure(exc)
        if reason is None:
            raise
        return _fail(reason)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
