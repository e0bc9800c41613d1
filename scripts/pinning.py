"""Exact pins of Couloir's runtime dependencies, read from the environment the tests ran in.

Run through ``scripts/constraints`` (which picks the test virtualenv's interpreter):

    scripts/constraints                 # writes deploy/constraints.txt
    scripts/constraints --check         # exit 1 when the file and this environment disagree

Starting from ``[project].dependencies`` in pyproject.toml, every requirement (extras included,
e.g. ``uvicorn[standard]``) is followed through the installed packages' metadata; each package
reached gets a ``name==version`` line. Test-only packages are never reached, so never pinned.
A requirement is followed when its environment marker holds on the interpreter running this
script or on a Raspberry Pi (Linux aarch64, CPython 3.11 or 3.13).
"""

from __future__ import annotations

import argparse
import difflib
import platform
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import Version
except ImportError:  # pragma: no cover - a venv without packaging still has pip's copy
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name
    from pip._vendor.packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
CONSTRAINTS = REPO / "deploy" / "constraints.txt"

# The interpreters a Pi runs: Raspberry Pi OS Bookworm (3.11) and Trixie (3.13), 64-bit.
PI_PYTHONS = ("3.11", "3.13")


def _environments() -> list[dict[str, str]]:
    """Marker environments: this interpreter's, then a Pi's for each supported Python."""
    here = dict(default_environment())
    envs = [here]
    for version in PI_PYTHONS:
        envs.append(
            {
                **here,
                "implementation_name": "cpython",
                "platform_python_implementation": "CPython",
                "platform_machine": "aarch64",
                "platform_system": "Linux",
                "sys_platform": "linux",
                "os_name": "posix",
                "python_version": version,
                "python_full_version": f"{version}.0",
                "implementation_version": f"{version}.0",
            }
        )
    return envs


def _applies(requirement: Requirement, extras: Iterable[str]) -> bool:
    """True when the requirement's marker holds for some environment and requested extra."""
    if requirement.marker is None:
        return True
    return any(
        requirement.marker.evaluate({**env, "extra": extra})
        for env in _environments()
        for extra in ("", *extras)
    )


def _applies_here(requirement: Requirement, extras: Iterable[str]) -> bool:
    """True when the requirement's marker holds on the interpreter running this script."""
    if requirement.marker is None:
        return True
    here = _environments()[0]
    return any(requirement.marker.evaluate({**here, "extra": e}) for e in ("", *extras))


def declared_dependencies(pyproject: Path = PYPROJECT) -> list[Requirement]:
    """The project's runtime requirements, as pyproject.toml declares them."""
    project = tomllib.loads(pyproject.read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def only_for_tests(pyproject: Path = PYPROJECT) -> set[str]:
    """Canonical names of the packages declared only for the tests (the ``test`` extra)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    return {
        canonicalize_name(Requirement(line).name)
        for line in project.get("optional-dependencies", {}).get("test", [])
    }


def resolve(roots: Iterable[Requirement]) -> tuple[dict[str, str], list[str]]:
    """Installed versions of every package the roots reach, and the problems found.

    Returns ``({canonical name: version}, [problem, ...])``: a problem is a requirement that
    applies but is not installed here, or whose installed version is outside its range.
    """
    pins: dict[str, str] = {}
    problems: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[Requirement, frozenset[str]]] = [(r, frozenset()) for r in roots]
    while queue:
        requirement, parent_extras = queue.pop()
        if not _applies(requirement, parent_extras):
            continue
        name = canonicalize_name(requirement.name)
        if name == "couloir":
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            if _applies_here(requirement, parent_extras):
                problems.append(f"{requirement} est requis mais absent de {sys.prefix}")
            else:
                # Needed on a Pi's Python only: the tests never ran it, nothing to pin.
                print(
                    f"attention : {requirement} vaut sur un Pi mais pas ici : version non épinglée",
                    file=sys.stderr,
                )
            continue
        version = dist.version
        if not requirement.specifier.contains(Version(version), prereleases=True):
            problems.append(f"{name} {version} est installé, hors de {requirement}")
        pins[name] = version
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for line in dist.requires or []:
            queue.append((Requirement(line), extras))
    return dict(sorted(pins.items())), problems


def render(pins: dict[str, str]) -> str:
    """The constraints file for these pins, with a header saying where they come from."""
    where = (
        f"Python {platform.python_version()} on {sys.platform} {platform.machine()}"
        if pins
        else "nowhere"
    )
    header = [
        "# Exact versions of Couloir's runtime dependencies: those of the environment the tests",
        f"# ran in ({where}). Written by scripts/constraints; do not edit by hand.",
        "# install.sh and update.sh give it to pip (-c), so a Pi runs what the tests ran.",
    ]
    return "\n".join([*header, *(f"{name}=={version}" for name, version in pins.items())]) + "\n"


def read_pins(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a constraints file (comments and blanks skipped)."""
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise ValueError(f"{path}: '{line}' is not an exact pin (name==version)")
        pins[canonicalize_name(name.strip())] = version.strip()
    return pins


def disagreements(pins: dict[str, str], pyproject: Path = PYPROJECT) -> list[str]:
    """Where pyproject's runtime dependencies and the pins disagree (empty when they agree)."""
    found = []
    for requirement in declared_dependencies(pyproject):
        name = canonicalize_name(requirement.name)
        if name not in pins:
            found.append(f"{requirement.name} : déclaré dans pyproject.toml, sans version épinglée")
        elif not requirement.specifier.contains(Version(pins[name]), prereleases=True):
            found.append(f"{name}=={pins[name]} est hors de {requirement} (pyproject.toml)")
    for name in sorted(only_for_tests(pyproject) & pins.keys()):
        found.append(f"{name} ne sert qu'aux tests : pas de place parmi les versions épinglées")
    return found


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) the constraints file; return the exit status."""
    parser = argparse.ArgumentParser(prog="scripts/constraints", description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=CONSTRAINTS, help="file to write or check")
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if the file differs from this environment or pyproject.toml",
    )
    args = parser.parse_args(argv)
    pins, problems = resolve(declared_dependencies())
    for problem in problems:
        print(f"erreur : {problem}", file=sys.stderr)
    if problems:
        return 1
    if args.check:
        if not args.output.exists():
            print(f"erreur : {args.output} manque : lancez scripts/constraints", file=sys.stderr)
            return 1
        written = read_pins(args.output)
        found = disagreements(written)
        if written != pins:
            diff = difflib.unified_diff(
                [f"{n}=={v}" for n, v in written.items()],
                [f"{n}=={v}" for n, v in pins.items()],
                str(args.output),
                "cet environnement",
                lineterm="",
            )
            differ = "les versions épinglées diffèrent de cet environnement :\n"
            found.append(differ + "\n".join(diff))
        for problem in found:
            print(f"erreur : {problem}", file=sys.stderr)
        if found:
            print(
                "Les tests tournent avec d'autres versions que celles que les Pi installeraient : "
                "installez les versions épinglées (pip install -c deploy/constraints.txt -e .) "
                "ou, pour passer aux nouvelles, lancez scripts/constraints et committez "
                "deploy/constraints.txt.",
                file=sys.stderr,
            )
            return 1
        print(f"{args.output} : {len(pins)} versions épinglées, celles de {sys.prefix}")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(pins))
    print(f"{args.output} écrit : {len(pins)} versions épinglées, celles de {sys.prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
