"""Fixtures for the deployment tests: real wheels of the project and staged Pi roots."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_support import (
    REPO,
    VENV_PYTHON,
    install_root,
    relocate_root,
    script_env,
)

# A program the tests run, not a module to import for its doctests.
collect_ignore = ["fake_systemctl.py"]


def _built_once(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``make`` fills, made once per run for all xdist workers (read it, never write).

    The first worker to ask builds it under a lock in the run's shared temporary folder; the
    others wait for it.
    """
    shared = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # popen-gwN's parent: one folder per run, shared by the workers
    built = shared / f"made-once-{name}"
    with open(shared / f"made-once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (built / ".done").exists():
            shutil.rmtree(built, ignore_errors=True)
            built.mkdir()
            make(built)
            (built / ".done").touch()
    return built


def _made_once(
    factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None], dest: Path
) -> Path:
    """``dest``: a copy of the folder ``make`` fills, made once per run for all xdist workers,
    so that each test keeps a folder of its own."""
    shutil.copytree(_built_once(factory, name, make), dest, ignore=shutil.ignore_patterns(".done"))
    return dest


def _build_wheel(source: Path, out: Path) -> Path:
    """A wheel of ``source`` in ``out``, shipped as a release is: its pins beside it."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(VENV_PYTHON), "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        timeout=300,
    )
    (wheel,) = out.glob("couloir-*.whl")
    shutil.copyfile(source / "deploy" / "constraints.txt", out / "constraints.txt")
    return wheel


def _copy_source(dest: Path) -> Path:
    """The project's files as a fresh checkout has them (no venv, caches or build output)."""
    ignore = shutil.ignore_patterns(
        ".git",
        ".venv",
        "__pycache__",
        "*.egg-info",
        "build",
        "dist",
        ".ruff_cache",
        ".pytest_cache",
        "tests",
        "bench",
        "node_modules",
    )
    shutil.copytree(REPO, dest, ignore=ignore)
    return dest


@pytest.fixture(scope="session")
def good_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of the project as it stands (what an operator copies to the Pi).

    Built from a copy: setuptools builds in the source's ``build/`` folder, which two parallel
    test workers building from the repository at once would both write into.
    """
    base = tmp_path_factory.mktemp("good-wheel")

    def build(into: Path) -> None:
        _build_wheel(_copy_source(into / "src"), into / "dist")
        shutil.rmtree(into / "src")

    (wheel,) = (_made_once(tmp_path_factory, "good-wheel", build, base / "made") / "dist").glob(
        "couloir-*.whl"
    )
    return wheel


@pytest.fixture(scope="session")
def current_version() -> str:
    return re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)[1]


def _bumped_wheel(
    wheel: Path, version: str, out: Path, entry: str = "api.cli:main", added: str | None = None
) -> Path:
    """``wheel`` released again as ``version``, in ``out`` with its pins beside it.

    What building the project with the version bumped (pyproject.toml and api.__version__)
    gives, without building it again: the same files, the version changed in the metadata,
    the names of the dist-info and data folders and api/__init__.py, and RECORD written again (paths, sha256
    and sizes). ``entry``: the ``couloir`` command's function; ``added``: the source of a
    module ``api/broken_entry.py`` to add.
    """
    old = wheel.name.split("-")[1]
    info = f"couloir-{version}.dist-info/"
    out.mkdir(parents=True, exist_ok=True)
    bumped = out / f"couloir-{version}-py3-none-any.whl"
    files: dict[str, tuple[zipfile.ZipInfo, bytes]] = {}
    with zipfile.ZipFile(wheel) as source:
        for item in source.infolist():
            content = source.read(item)
            # The same entry (its mode too: the release's scripts stay executable), renamed.
            name = item.filename.replace(f"couloir-{old}.dist-info/", info)
            item.filename = name = name.replace(f"couloir-{old}.data/", f"couloir-{version}.data/")
            if name == info + "METADATA":
                content = content.replace(
                    f"\nVersion: {old}\n".encode(), f"\nVersion: {version}\n".encode(), 1
                )
            elif name == "api/__init__.py":
                content = re.sub(
                    rb'__version__ = "[^"]+"',
                    f'__version__ = "{version}"'.encode(),
                    content,
                    count=1,
                )
            elif name == info + "entry_points.txt":
                content = content.replace(b"= api.cli:main", f"= {entry}".encode())
            files[name] = (item, content)
    if added is not None:
        module = zipfile.ZipInfo("api/broken_entry.py", files["api/__init__.py"][0].date_time)
        module.external_attr = files["api/__init__.py"][0].external_attr
        module.compress_type = zipfile.ZIP_DEFLATED
        files = {module.filename: (module, added.encode()), **files}
    record = []
    for name, (_, content) in files.items():
        if name != info + "RECORD":
            digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            record.append(f"{name},sha256={digest.decode()},{len(content)}")
    record.append(f"{info}RECORD,,")
    files[info + "RECORD"] = (files[info + "RECORD"][0], ("\n".join(record) + "\n").encode())
    with zipfile.ZipFile(bumped, "w", zipfile.ZIP_DEFLATED) as target:
        for item, content in files.values():
            target.writestr(item, content)
    shutil.copyfile(wheel.parent / "constraints.txt", out / "constraints.txt")
    return bumped


@pytest.fixture(scope="session")
def next_wheel(tmp_path_factory: pytest.TempPathFactory, good_wheel: Path) -> Path:
    """A newer, working release: the same code with the version bumped to 99.0.0."""
    return _bumped_wheel(good_wheel, "99.0.0", tmp_path_factory.mktemp("next-wheel") / "dist")


BROKEN_ENTRY = (
    '"""A release that fails at start, for the update rollback tests."""\n\n'
    "import sys\n\n"
    "from api.cli import main as real_main\n\n\n"
    "def main() -> int:\n"
    '    if sys.argv[1:2] in (["serve"], ["display"]):\n'
    '        print("broken release: refusing to start", file=sys.stderr)\n'
    "        return 1\n"
    "    return real_main()\n"
)


@pytest.fixture(scope="session")
def broken_wheel(tmp_path_factory: pytest.TempPathFactory, good_wheel: Path) -> Path:
    """A newer release (99.1.0) whose server and screen program both exit 1 at start.

    Every other command works (migrations run), so an update gets as far as restarting:
    only the health check (server) or the READY=1 wait (screen) can catch it.
    """
    out = tmp_path_factory.mktemp("broken-wheel") / "dist"
    return _bumped_wheel(good_wheel, "99.1.0", out, "api.broken_entry:main", BROKEN_ENTRY)


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A data folder with the demo agency and one registered screen, and that screen's token.

    Seeding takes seconds (password hashing), so it is done once per run and copied where needed.
    """

    def seed(into: Path) -> None:
        data = into / "data"
        data.mkdir()
        env = {**script_env(), "COULOIR_DATA_DIR": str(data)}
        # The code under test (this checkout), not whichever one the virtualenv's console
        # script was installed from: its migrations must be those of the wheels.
        couloir = [str(VENV_PYTHON), "-m", "api.cli"]
        run = {"env": env, "cwd": REPO, "check": True, "capture_output": True, "text": True}
        # seed brings the schema up to date first, as migrate does.
        subprocess.run([*couloir, "seed", "--demo"], **run)
        added = subprocess.run(
            [*couloir, "screen", "add", "Couloir RDC", "--agency", "avignon-joly-jean"], **run
        )
        (into / "screen-token").write_text(added.stdout.strip().splitlines()[-1])

    made = _made_once(
        tmp_path_factory, "seeded-data", seed, tmp_path_factory.mktemp("seeded-data") / "made"
    )
    return made / "data", (made / "screen-token").read_text()


StagePi = Callable[..., str]

# all_root's arguments: the one Pi staged from scratch, pip included (test_install checks its
# virtualenv, the unit tests run it). Every other staged Pi starts from a copy of its
# virtualenv, as a Pi installed once finds it at any later run, and install.sh skips pip.
FROM_SCRATCH = ("--role", "all", "--token", "tok-SCREEN-1234567890")


def _copy_venv(original: Path, root: Path) -> None:
    """Give ``root`` the virtualenvs of the staged Pi ``original`` and ``/opt/couloir/current``
    pointing where it points (copied, relocated)."""
    prefix = root / "opt/couloir"
    prefix.mkdir(parents=True, exist_ok=True)
    source = original / "opt/couloir"
    shutil.copytree(source / "venvs", prefix / "venvs", symlinks=True)
    (prefix / "current").symlink_to(os.readlink(source / "current"))
    relocate_root(original, root)


def _staged_once(factory: pytest.TempPathFactory, wheel: Path, args: tuple[str, ...]) -> Path:
    """A folder holding ``root``, a Pi staged by install.sh with ``args``, and its ``output``:
    made once per run for all xdist workers (read it, never write).

    Staged from scratch for ``FROM_SCRATCH``; any other Pi gets that one's virtualenv first
    (what a Pi installed once has), so that pip runs once per run.
    """
    key = hashlib.sha256("\0".join((wheel.name, *args)).encode()).hexdigest()[:16]

    def make(into: Path) -> None:
        root = into / "root"
        root.mkdir()
        if args != FROM_SCRATCH:
            _copy_venv(_staged_once(factory, wheel, FROM_SCRATCH) / "root", root)
        (into / "output").write_text(install_root(root, wheel, *args))

    return _built_once(factory, f"pi-{key}", make)


@pytest.fixture(scope="session")
def stage_pi(tmp_path_factory: pytest.TempPathFactory, good_wheel: Path) -> StagePi:
    """``stage_pi(root, *args)``: what ``install_root(root, good_wheel, *args)`` does, cheaply.

    install.sh runs once per run for each list of arguments, pip once per run (see
    ``_staged_once``: other than ``FROM_SCRATCH``, the Pi is staged with Couloir's virtualenv
    already there, so its output does not tell of making one); each test gets a copy of that
    staged Pi of its own under ``root``, moved there as if installed there
    (``relocate_root``), and the install's output, naming ``root``.
    Tests of what differs between two installs (secrets, time stamps) use ``install_root``.
    """

    def stage(root: Path, *args: str) -> str:
        built = _staged_once(tmp_path_factory, good_wheel, args)
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(built / "root", root, symlinks=True, dirs_exist_ok=True)
        relocate_root(built / "root", root)
        return (built / "output").read_text().replace(str(built / "root"), str(root))

    return stage


@pytest.fixture(scope="session")
def installed_venv(
    tmp_path_factory: pytest.TempPathFactory, good_wheel: Path
) -> Callable[[Path], None]:
    """``installed_venv(root)``: the virtualenv install.sh makes for the good wheel, and
    ``/opt/couloir/current`` pointing at it, already in ``root`` (copied, relocated).

    For tests of install.sh's other steps (boot files, EDID, settings, services): its run then
    finds Couloir installed, as any later run does, and skips pip, which is most of its cost.
    The virtualenv's own making is tested by the Pi staged from scratch (``all_root``).
    """

    def put(root: Path) -> None:
        _copy_venv(_staged_once(tmp_path_factory, good_wheel, FROM_SCRATCH) / "root", root)

    return put


@pytest.fixture(scope="session")
def all_root(tmp_path_factory: pytest.TempPathFactory, stage_pi: StagePi) -> tuple[Path, str]:
    """A Pi staged with ``--role all`` (server + screen) from scratch, virtualenv included,
    and what install.sh printed."""
    root = tmp_path_factory.mktemp("pi-all")
    output = stage_pi(root, *FROM_SCRATCH)
    return root, output


@pytest.fixture(scope="session")
def screen_root(tmp_path_factory: pytest.TempPathFactory, stage_pi: StagePi) -> tuple[Path, str]:
    """A Pi staged with ``--role screen`` pointing at a remote service."""
    root = tmp_path_factory.mktemp("pi-screen")
    output = stage_pi(
        root,
        "--role",
        "screen",
        "--api",
        "http://couloir.example.org:8000",
        "--token",
        "tok-REMOTE-0987654321",
        "--rotate",
        "90",
    )
    return root, output
