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

from pydantic import ValidationError

from api.contract import SCENE_NAMES, Snapshot
from display.settings import DisplaySettings

log = logging.getLogger(__name__)


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``WxH`` (e.g. ``1920x1080``) for argparse."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1920x1080, not {text!r}") from None
    if not (64 <= width <= 8192 and 64 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size {text} is out of range (64 to 8192 pixels)")
    return width, height


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``display`` options on ``parser``."""
    parser.add_argument(
        "--windowed", action="store_true", help="run in a window instead of fullscreen"
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        metavar="WxH",
        help="screen (or screenshot) size; default: the screen's own, 1920x1080 for screenshots",
    )
    parser.add_argument(
        "--rotate",
        dest="orientation",
        type=int,
        choices=(0, 90, 180, 270),
        help="turn the picture clockwise for a portrait TV (default: as set for the screen "
        "on the service)",
    )
    parser.add_argument("--api", metavar="URL", help="service URL (default: COULOIR_API_URL)")
    parser.add_argument(
        "--token",
        metavar="T",
        help="screen token (default: COULOIR_SCREEN_TOKEN or the paired one)",
    )
    parser.add_argument(
        "--cache-dir", type=Path, metavar="DIR", help="cache folder (default: COULOIR_CACHE_DIR)"
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="render offscreen and upload screenshots for the preview page (for demos)",
    )
    shot = parser.add_argument_group("one frame to a PNG (no window)")
    shot.add_argument("--screenshot", type=Path, metavar="FILE.png", help="render and exit")
    shot.add_argument(
        "--scene",
        choices=(*SCENE_NAMES, "urgent"),
        help="scene to render (default: the first of the screen's playlist); "
        "urgent: the take-over of an urgent announcement",
    )
    shot.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE.json",
        help="render this snapshot (no service needed); default: fetch it, else the cache",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument(
        "--help-settings",
        action="store_true",
        help="list the COULOIR_* environment settings of the screen, with defaults, and exit",
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``display`` subcommand to ``couloir``'s parser."""
    parser = subparsers.add_parser(
        "display",
        help="run the corridor screen (or render one frame with --screenshot)",
        description="Run the corridor screen: fullscreen Pygame loop fed by the service.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def settings_help() -> str:
    """The screen's settings as text: environment name, default and help."""
    lines = []
    for name, field in DisplaySettings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default
        shown = "(none)" if default is None else str(default)
        lines.append(f"COULOIR_{name.upper()}  [default: {shown}]\n    {field.description}")
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
            print(f"couloir display: COULOIR_{name}: {message}", file=sys.stderr)
        return 2
    if args.screenshot is not None:
        return screenshot(args, settings)

    from display import wiring  # pygame starts here, not for --help

    token = wiring.resolve_token(settings, args.token)
    if args.headless:
        if not token:
            print("couloir display --headless needs a screen token", file=sys.stderr)
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
        print(f"couloir display: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return None
    snapshot = parse_snapshot(body)
    if snapshot is None:
        print(f"couloir display: {path} is not a valid snapshot (see the log)", file=sys.stderr)
    return snapshot


def screenshot(args: argparse.Namespace, settings: DisplaySettings) -> int:
    """Render one frame to ``args.screenshot`` without a window; return the exit status."""
    # No window: SDL draws into memory. Must be set before pygame's video starts.
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    from display.cache import DisplayCache
    from display.feed import Feed
    from display.screen import init_pygame
    from display.screenshot import render_scene_png
    from display.wiring import resolve_token

    snapshot: Snapshot | None
    if args.snapshot is not None:
        snapshot = _load_snapshot_file(args.snapshot)
        if snapshot is None:
            return 2
    else:
        cache = DisplayCache(settings.cache_dir)
        token = resolve_token(settings, args.token)
        snapshot = None
        if token and (args.api or args.token or settings.screen_token):
            feed = Feed(settings.api_url, token, None)
            try:
                if feed.fetch():
                    snapshot = feed.snapshot
            finally:
                feed.stop()
            if snapshot is None:
                log.warning("no snapshot from %s; trying the cache", settings.api_url)
        if snapshot is None:
            cached = cache.load_snapshot()
            snapshot = cached.snapshot if cached else None
        if snapshot is None:
            log.warning("no snapshot available: rendering the waiting screen")
    init_pygame()
    target = args.screenshot
    if target.parent and not target.parent.exists():
        print(f"couloir display: folder {target.parent} does not exist", file=sys.stderr)
        return 2
    render_scene_png(snapshot, args.scene, args.size or (1920, 1080), target, datetime.now(UTC))
    print(target)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``display`` as its own program (``python -m display.cli``)."""
    parser = argparse.ArgumentParser(prog="couloir display", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
