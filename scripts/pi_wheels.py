"""Check a folder of wheels downloaded for a Raspberry Pi (used by scripts/check-pi-wheels).

    python scripts/pi_wheels.py WHEELS_DIR deploy/constraints.txt 3.11

Every wheel must be pinned in the constraints file at its version, built for aarch64 (or pure
Python) and for that CPython; the pygame-ce wheel must bundle an aarch64 libSDL2 that has the
KMSDRM video driver. Prints one line per finding; exit status 1 when something is wrong.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

# ELF e_machine of 64-bit ARM.
EM_AARCH64 = 183


def _oui(value: bool) -> str:
    return "oui" if value else "NON"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(constraints: Path) -> dict[str, str]:
    """``{normalised name: version}`` of a constraints file."""
    pins = {}
    for raw in constraints.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_norm(name)] = version.strip()
    return pins


def wheel_problems(folder: Path, pins: dict[str, str], python: str) -> list[str]:
    """What is wrong with the wheels in ``folder`` for CPython ``python`` on aarch64."""
    problems = []
    cp = "cp" + python.replace(".", "")
    for wheel in sorted(folder.glob("*.whl")):
        name, version, *_, abi, platform = wheel.name.removesuffix(".whl").split("-")
        if _norm(name) not in pins:
            problems.append(f"{wheel.name} : {name} n'est pas épinglé")
        elif pins[_norm(name)] != version:
            problems.append(f"{wheel.name} : la version épinglée est {pins[_norm(name)]}")
        if platform != "any" and "aarch64" not in platform:
            problems.append(f"{wheel.name} : pas une roue aarch64")
        if abi not in ("none", "abi3") and not abi.startswith(cp):
            problems.append(f"{wheel.name} : pas construite pour CPython {python}")
    return problems


def sdl_findings(folder: Path) -> tuple[list[str], list[str]]:
    """(notes, problems) about the libSDL2 bundled in the pygame-ce wheel of ``folder``."""
    wheels = sorted(folder.glob("pygame_ce-*.whl"))
    if not wheels:
        return [], ["pas de roue pygame_ce"]
    notes, problems = [], []
    with zipfile.ZipFile(wheels[0]) as archive:
        libraries = [n for n in archive.namelist() if re.search(r"/libSDL2-[^/]*\.so", n)]
        if not libraries:
            problems.append(f"{wheels[0].name} ne contient pas de libSDL2")
        for member in libraries:
            data = archive.read(member)
            arm = data[:4] == b"\x7fELF" and int.from_bytes(data[18:20], "little") == EM_AARCH64
            # SDL names each video driver: "KMSDRM" is what SDL_VIDEODRIVER=kmsdrm selects.
            kms = b"KMSDRM\x00" in data and b"KMS/DRM" in data
            notes.append(
                f"{wheels[0].name} : {member} : aarch64 {_oui(arm)}, pilote KMSDRM {_oui(kms)}"
            )
            if not arm:
                problems.append(f"{member} n'est pas une bibliothèque aarch64")
            if not kms:
                problems.append(f"{member} n'a pas le pilote vidéo KMSDRM")
    return notes, problems


def main(argv: list[str]) -> int:
    """Check WHEELS_DIR against CONSTRAINTS for CPython VERSION; return the exit status."""
    folder, constraints, python = Path(argv[0]), Path(argv[1]), argv[2]
    problems = wheel_problems(folder, read_pins(constraints), python)
    notes, sdl_problems = sdl_findings(folder)
    for note in notes:
        print(f"    {note}")
    for problem in [*problems, *sdl_problems]:
        print(f"erreur : {problem}", file=sys.stderr)
    if not problems and not sdl_problems:
        count = len(list(folder.glob("*.whl")))
        print(f"    {count} roues, toutes épinglées, binaires, pour CPython {python} sur aarch64")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
