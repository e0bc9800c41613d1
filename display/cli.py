"""``couloir display``: run the corridor screen, or render one frame to a PNG.

``api/cli.py`` calls :func:`register` to add the subcommand; ``python -m display.cli``
runs it on its own.

    couloir display                               # fullscreen, settings from COULOIR_*
    couloir display --windowed --size 1280x720 --api http://127.0.0.1:8000 --token T
    couloir display --screenshot offres.png --scene offers --snapshot demo.json
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from api.cli_french import FrenchParser
from api.contract import SCENE_NAMES, Snapshot
from display.settings import DisplaySettings

if TYPE_CHECKING:
    import pygame

log = logging.getLogger(__name__)


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``WxH`` (e.g. ``1920x1080``) for argparse."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"taille au format 1920x1080 attendue, pas {text!r}"
        ) from None
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"taille {text} hors limites (de 64 à 8192 pixels)")
    return width, height


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``display`` options on ``parser``."""
    parser.add_argument(
        "--windowed", action="store_true", help="dans une fenêtre plutôt qu'en plein écran"
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        metavar="LxH",
        help="taille de l'écran ou de l'image ; par défaut celle de l'écran, 1920x1080 pour "
        "une image",
    )
    parser.add_argument(
        "--rotate",
        dest="orientation",
        type=int,
        choices=(0, 90, 180, 270),
        help="tourne l'image dans le sens horaire pour une télé en portrait ; par défaut : "
        "comme réglé pour l'écran sur le service",
    )
    parser.add_argument(
        "--api", metavar="URL", help="adresse du service ; par défaut : COULOIR_API_URL"
    )
    parser.add_argument(
        "--token",
        metavar="JETON",
        help="jeton de l'écran ; par défaut : COULOIR_SCREEN_TOKEN ou celui reçu à l'appairage",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DOSSIER",
        help="dossier du cache ; par défaut : COULOIR_CACHE_DIR",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="dessine hors écran et envoie des captures pour l'aperçu de la page Écrans (démos)",
    )
    shot = parser.add_argument_group("une image PNG, sans fenêtre")
    shot.add_argument(
        "--screenshot", type=Path, metavar="IMAGE.png", help="dessine l'image et quitte"
    )
    shot.add_argument(
        "--scene",
        choices=(*SCENE_NAMES, "urgent"),
        help="scène à dessiner ; par défaut la première de la liste de l'écran ; urgent : "
        "l'annonce urgente qui prend tout l'écran",
    )
    shot.add_argument(
        "--snapshot",
        type=Path,
        metavar="DONNEES.json",
        help="dessine ces données (sans service) ; par défaut : celles du service, sinon "
        "celles du cache",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="journal détaillé")
    parser.add_argument(
        "--help-settings",
        action="store_true",
        help="liste les réglages COULOIR_* de l'écran, avec leurs valeurs par défaut, et quitte",
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``display`` subcommand to ``couloir``'s parser."""
    parser = subparsers.add_parser(
        "display",
        help="Fait tourner l'écran de couloir (ou dessine une image avec --screenshot).",
        description="Écran de couloir : plein écran, nourri par le service.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def settings_help() -> str:
    """The screen's settings as text: environment name, default and help."""
    lines = []
    for name, field in DisplaySettings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default
        shown = "(aucun)" if default is None else str(default)
        lines.append(f"COULOIR_{name.upper()}  [par défaut : {shown}]\n    {field.description}")
    return "\n".join(lines)


def _settings(args: argparse.Namespace) -> DisplaySettings:
    overrides: dict[str, object] = {}
    if args.api:
        overrides["api_url"] = args.api
    if args.token:
        overrides["screen_token"] = args.token
    if args.cache_dir:
        overrides["cache_dir"] = args.cache_dir
    return DisplaySettings(**overrides)


def _setup_logging(verbose: bool) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.DEBUG if verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    # Each request of the feed would otherwise be logged by httpx.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``couloir display``; returns the exit status."""
    from display.libraries import import_pygame_silent

    import_pygame_silent()  # first import of pygame in this program: no sound modules
    _setup_logging(getattr(args, "verbose", False))
    if getattr(args, "help_settings", False):
        print(settings_help())
        return 0
    try:
        settings = _settings(args)
    except ValidationError as exc:
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            message = str(error["msg"]).removeprefix("Value error, ")
            print(f"couloir display : COULOIR_{name} : {message}", file=sys.stderr)
        return 2
    if args.screenshot is not None:
        return screenshot(args, settings)

    from display import wiring  # pygame starts here, not for --help

    token = wiring.resolve_token(settings, args.token)
    if args.headless:
        if not token:
            print(
                "couloir display : --headless demande un jeton d'écran (--token)", file=sys.stderr
            )
            return 2
        import signal
        import threading

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            return wiring.run_headless_preview(
                settings.api_url,
                token,
                stop,
                size=args.size or (1920, 1080),
                cache_dir=settings.cache_dir,
            )
        except KeyboardInterrupt:
            return 0
    try:
        return wiring.run_display(
            settings,
            token=token,
            paired=wiring.token_is_paired(settings, args.token),
            size=args.size,
            orientation=args.orientation,
            windowed=args.windowed,
        )
    except KeyboardInterrupt:
        return 0


def _load_snapshot_file(path: Path) -> Snapshot | None:
    from display.feed import parse_snapshot

    try:
        body = path.read_bytes()
    except OSError as exc:
        print(f"couloir display : impossible de lire {path} : {exc.strerror}", file=sys.stderr)
        return None
    snapshot = parse_snapshot(body)
    if snapshot is None:
        print(
            f"couloir display : {path} ne contient pas des données d'écran valides (voir le "
            "journal)",
            file=sys.stderr,
        )
    return snapshot


NO_DATA_MESSAGE = (
    "couloir display : aucune donnée à dessiner (ni le service ni le cache n'en ont) ; "
    "donnez --api et --token, ou --snapshot DONNEES.json"
)


def _load_data(
    args: argparse.Namespace, settings: DisplaySettings
) -> tuple[Snapshot | None, dict[int, pygame.Surface]]:
    """The snapshot to draw and its hires' photos: from --snapshot (photos from the cache),
    else from the service, else from the cache."""
    from display.cache import DisplayCache
    from display.feed import Feed, PhotoUpdate, SnapshotUpdate, decode_photo
    from display.wiring import resolve_token

    cache = DisplayCache(settings.cache_dir)
    if args.snapshot is not None:
        snapshot = _load_snapshot_file(args.snapshot)
        photos = {}
        for hire in snapshot.hires if snapshot else ():
            data = cache.load_photo(hire.id, hire.photo_path) if hire.photo_path else None
            image = decode_photo(data, None) if data else None
            if image is not None:
                photos[hire.id] = image
        return snapshot, photos
    token = resolve_token(settings, args.token) or ""
    messages: list[object] = []
    if token and (args.api or args.token or settings.screen_token):
        online = Feed(settings.api_url, token, None)
        try:
            messages = online.drain() if online.fetch() else []
        finally:
            online.stop()
    if not any(isinstance(m, SnapshotUpdate) for m in messages):
        log.warning("no snapshot from %s; trying the cache", settings.api_url)
        offline = Feed(settings.api_url, token, cache)
        try:
            offline.load_cache()
            messages = list(offline.drain())
        finally:
            offline.stop()
    snapshots = [m.snapshot for m in messages if isinstance(m, SnapshotUpdate)]
    photos = {m.hire_id: m.image for m in messages if isinstance(m, PhotoUpdate) and m.image}
    return (snapshots[-1] if snapshots else None), photos


def screenshot(args: argparse.Namespace, settings: DisplaySettings) -> int:
    """Render one frame to ``args.screenshot`` without a window; return the exit status."""
    # No window: SDL draws into memory. Must be set before pygame's video starts.
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    from display.screen import init_pygame
    from display.screenshot import NothingToShow, render_scene_png

    target = args.screenshot
    if target.parent and not target.parent.exists():
        print(f"couloir display : le dossier {target.parent} n'existe pas", file=sys.stderr)
        return 2
    init_pygame()
    snapshot, photos = _load_data(args, settings)
    if snapshot is None:
        if args.snapshot is not None:
            return 2  # the file was refused, with its reason
        print(NO_DATA_MESSAGE, file=sys.stderr)
        return 1
    size = args.size or (1920, 1080)
    try:
        render_scene_png(snapshot, args.scene, size, target, datetime.now(UTC), photos)
    except NothingToShow as missing:
        print(
            f"couloir display : rien à montrer pour la scène « {missing} » dans ces données",
            file=sys.stderr,
        )
        return 1
    print(target)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``display`` as its own program (``python -m display.cli``)."""
    parser = FrenchParser(
        prog="couloir display", description="Écran de couloir : plein écran, nourri par le service."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
