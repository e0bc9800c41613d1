"""deploy/server: the central service staged into temporary roots, its units, Caddy and backups.

The backup test runs the nightly unit's command against the test PostgreSQL (skipped without
it) and restores the dump with pg_restore; the Caddy tests run Debian's ``caddy`` (skipped
when it is not installed) with the Caddyfile install.sh wrote.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from deploy_support import (
    REPO,
    VENV_PYTHON,
    free_port,
    parse_unit,
    read_env_file,
    relocate_root,
    run_script,
    script_env,
    stop_process,
    systemd_root,
    tree_digest,
    unit_command,
    verify_units,
    wait_for_health,
)

SERVER = REPO / "deploy" / "server"
INSTALL = SERVER / "install.sh"
UNITS = Path("etc/systemd/system")
PUBLIC_URL = "https://couloir.example.fr"
DATABASE_URL = "postgresql+psycopg://couloir:not-a-real-password@db.example.fr:5432/couloir"
ALL_UNITS = [
    "couloir-server@8001.service",
    "couloir-migrate.service",
    "couloir-pgdump.service",
    "couloir-pgdump.timer",
    "couloir-server.target",
]


def install(root: Path, wheel: Path, *args: str) -> str:
    """Stage the central service under ``root``; fail on error, return what it printed."""
    result = run_script(INSTALL, "--root", root, "--source", wheel, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def copy_root(staged: Path, tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(staged, root, symlinks=True)
    return root


def with_installed_venv(staged: Path, root: Path) -> None:
    """Give ``root`` the virtualenv of the staged host ``staged`` and /opt/couloir/current
    pointing at it (copied, relocated): install.sh then finds Couloir installed and skips pip."""
    prefix = root / "opt/couloir"
    prefix.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staged / "opt/couloir/venvs", prefix / "venvs", symlinks=True)
    (prefix / "current").symlink_to(os.readlink(staged / "opt/couloir/current"))
    relocate_root(staged, root)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed on this machine")
    return path


def upstream_lines(caddyfile: str) -> list[list[str]]:
    """The upstreams of every reverse_proxy directive of a Caddyfile."""
    return [line.split()[1:-1] for line in caddyfile.splitlines() if "reverse_proxy " in line]


@pytest.fixture(scope="module")
def server_root(tmp_path_factory: pytest.TempPathFactory, good_wheel: Path) -> tuple[Path, str]:
    """A central host staged with three instances on an external database."""
    root = tmp_path_factory.mktemp("central")
    output = install(
        root,
        good_wheel,
        "--instances",
        "3",
        "--workers",
        "2",
        "--public-url",
        PUBLIC_URL,
        "--database-url",
        DATABASE_URL,
    )
    return root, output


def test_every_script_is_shellcheck_clean() -> None:
    scripts = [INSTALL, *sorted(p for p in (SERVER / "bin").iterdir() if not p.is_symlink())]
    result = subprocess.run(
        [tool("shellcheck"), "-x", "--severity=style", *map(str, scripts)],
        capture_output=True,
        text=True,
        cwd=SERVER,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_install_writes_units_env_file_and_caddyfile(server_root: tuple[Path, str]) -> None:
    root, output = server_root
    for unit in (
        "couloir-server@.service",
        "couloir-migrate.service",
        "couloir-pgdump.service",
        "couloir-pgdump.timer",
        "couloir-server.target",
    ):
        assert (root / UNITS / unit).is_file(), unit
    for helper in ("couloir-pgdump", "couloir-db-create", "couloir-cli"):
        assert os.access(root / "opt/couloir/deploy/bin" / helper, os.X_OK), helper
    assert (root / "opt/couloir/deploy/lib/common.sh").is_file()
    assert (root / "opt/couloir/current/bin/couloir").exists()

    env_file = root / "etc/couloir/couloir.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = read_env_file(env_file)
    assert values["COULOIR_ENV"] == "production"
    assert values["COULOIR_PUBLIC_URL"] == PUBLIC_URL
    assert values["COULOIR_DATABASE_URL"] == DATABASE_URL
    assert values["COULOIR_DATA_DIR"] == "/var/lib/couloir"
    assert values["COULOIR_WORKERS"] == "2"
    assert "COULOIR_ALLOW_HTTP" not in values
    assert re.fullmatch(r"[0-9a-f]{64}", values["COULOIR_SECRET_KEY"])
    # Neither the secret nor the database password is ever printed.
    assert values["COULOIR_SECRET_KEY"] not in output
    assert "not-a-real-password" not in output

    caddyfile = (root / "etc/caddy/Caddyfile").read_text()
    every = ["127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"]
    assert upstream_lines(caddyfile) == [every, every]
    assert "couloir.example.fr {" in caddyfile
    assert caddyfile.count("lb_policy least_conn") == 2
    assert caddyfile.count("health_uri /healthz") == 2
    assert "flush_interval -1" in caddyfile
    assert "@events path /api/v1/display/events" in caddyfile

    for port in (8001, 8002, 8003):
        assert f"exécuterait : systemctl enable couloir-server@{port}.service" in output
    # The schema is brought up to date before the first instance starts.
    assert output.index("systemctl start couloir-migrate.service") < output.index(
        "systemctl start couloir-server@8001.service"
    )
    assert "exécuterait : systemctl enable --now couloir-pgdump.timer" in output
    packages = output.split("apt-get install", 1)[1].splitlines()[0].split()
    assert {"caddy", "python3-venv", "postgresql-client"} <= set(packages)
    assert "postgresql" not in packages


def test_server_unit_runs_the_instance_on_its_port(server_root: tuple[Path, str]) -> None:
    unit = parse_unit(server_root[0] / UNITS / "couloir-server@.service")
    (exec_start,) = unit["Service.ExecStart"]
    assert exec_start == (
        "/opt/couloir/current/bin/couloir serve --host 127.0.0.1 --port %i "
        "--workers ${COULOIR_WORKERS} --forwarded-allow-ips 127.0.0.1"
    )
    expected = {
        "Service.LimitNOFILE": "65536",
        "Service.KillSignal": "SIGTERM",
        "Service.TimeoutStopSec": "40",
        "Service.Restart": "on-failure",
        "Service.EnvironmentFile": "/etc/couloir/couloir.env",
        "Service.User": "couloir",
        "Service.ProtectSystem": "strict",
        "Service.NoNewPrivileges": "yes",
        "Service.CapabilityBoundingSet": "",
        "Service.SystemCallFilter": "@system-service",
        "Install.WantedBy": "couloir-server.target",
    }
    for key, value in expected.items():
        assert unit[key] == [value], key
    assert "COULOIR_WORKERS=1" in unit["Service.Environment"][0].split()
    assert "couloir-migrate.service" in unit["Unit.After"][0].split()
    assert "couloir-migrate.service" in unit["Unit.Wants"][0].split()
    migrate = parse_unit(server_root[0] / UNITS / "couloir-migrate.service")
    assert migrate["Service.Type"] == ["oneshot"]
    assert migrate["Service.ExecStart"] == ["/opt/couloir/current/bin/couloir migrate"]


def test_second_run_changes_nothing_and_options_update_their_line(
    server_root: tuple[Path, str], good_wheel: Path, tmp_path: Path
) -> None:
    root = copy_root(server_root[0], tmp_path)
    before = tree_digest(root)
    secret = read_env_file(root / "etc/couloir/couloir.env")["COULOIR_SECRET_KEY"]
    output = install(root, good_wheel)
    assert "Rien à changer" in output
    assert tree_digest(root) == before

    output = install(root, good_wheel, "--workers", "4", "--public-url", "https://c.example.fr")
    values = read_env_file(root / "etc/couloir/couloir.env")
    assert values["COULOIR_SECRET_KEY"] == secret
    assert values["COULOIR_WORKERS"] == "4"
    assert values["COULOIR_PUBLIC_URL"] == "https://c.example.fr"
    assert values["COULOIR_DATABASE_URL"] == DATABASE_URL
    assert stat.S_IMODE((root / "etc/couloir/couloir.env").stat().st_mode) == 0o600
    caddyfile = (root / "etc/caddy/Caddyfile").read_text()
    assert "c.example.fr {" in caddyfile
    # Three instances remembered without --instances.
    assert len(upstream_lines(caddyfile)[0]) == 3


def test_fewer_instances_stop_the_extra_ones(
    server_root: tuple[Path, str], good_wheel: Path, tmp_path: Path
) -> None:
    root = copy_root(server_root[0], tmp_path)
    wants = root / UNITS / "couloir-server.target.wants"
    wants.mkdir()
    for port in (8001, 8002, 8003):  # what "systemctl enable" made on the real host
        (wants / f"couloir-server@{port}.service").symlink_to("../couloir-server@.service")
    output = install(root, good_wheel, "--instances", "1")
    assert "exécuterait : systemctl disable --now couloir-server@8002.service" in output
    assert "exécuterait : systemctl disable --now couloir-server@8003.service" in output
    assert "couloir-server@8001.service" not in output.split("disable")[-1].split("\n")[0]
    assert upstream_lines((root / "etc/caddy/Caddyfile").read_text())[0] == ["127.0.0.1:8001"]


def test_local_postgres_generates_the_database_url_once(
    server_root: tuple[Path, str], good_wheel: Path, tmp_path: Path
) -> None:
    # A first install (no settings yet) finding Couloir's virtualenv there: this is about the
    # database, not pip (server_root makes a virtualenv from scratch).
    with_installed_venv(server_root[0], tmp_path)
    output = install(tmp_path, good_wheel, "--public-url", PUBLIC_URL, "--local-postgres")
    url = read_env_file(tmp_path / "etc/couloir/couloir.env")["COULOIR_DATABASE_URL"]
    match = re.fullmatch(
        r"postgresql\+psycopg://couloir:([0-9a-f]{64})@127\.0\.0\.1:5432/couloir", url
    )
    assert match, url
    assert match[1] not in output
    assert (
        "exécuterait : runuser -u postgres -- /opt/couloir/deploy/bin/couloir-db-create "
        "--role couloir --database couloir (mot de passe sur l'entrée standard)"
    ) in output
    assert "postgresql" in output.split("apt-get install", 1)[1].splitlines()[0].split()
    again = install(tmp_path, good_wheel)
    assert "Rien à changer" in again
    assert read_env_file(tmp_path / "etc/couloir/couloir.env")["COULOIR_DATABASE_URL"] == url


def test_a_newer_release_is_installed_beside_and_migrated_first(
    server_root: tuple[Path, str], next_wheel: Path, tmp_path: Path
) -> None:
    root = copy_root(server_root[0], tmp_path)
    old = os.readlink(root / "opt/couloir/current")
    output = install(root, next_wheel)
    new = os.readlink(root / "opt/couloir/current")
    assert new != old and new.startswith("venvs/99.0.0-")
    assert (root / "opt/couloir" / old).is_dir()  # the previous release stays for going back
    assert "-> 99.0.0" in output
    assert output.index("couloir-migrate.service") < output.index("couloir-server@8001.service")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--database-url", DATABASE_URL],
            "--public-url URL est nécessaire à la première installation",
        ),
        (["--public-url", PUBLIC_URL], "indiquez où est la base de données"),
        (["--public-url", "http://c.example.fr", "--local-postgres"], "doit être en https://"),
        (["--public-url", "c.example.fr", "--local-postgres"], "doit commencer par https://"),
        (
            ["--public-url", PUBLIC_URL, "--database-url", "sqlite:////tmp/x.db"],
            "demande PostgreSQL",
        ),
        (
            ["--public-url", PUBLIC_URL, "--local-postgres", "--database-url", DATABASE_URL],
            "choisissez l'un ou l'autre",
        ),
        (["--local-postgres", "--public-url", PUBLIC_URL, "--instances", "0"], "entre 1 et 64"),
        (["--local-postgres", "--public-url", PUBLIC_URL, "--workers", "two"], "nombre entier"),
        (["--local-postgres", "--public-url", PUBLIC_URL, "--tls", "acme"], "--tls doit valoir"),
        (
            ["--local-postgres", "--public-url", PUBLIC_URL, "--trusted-proxies", "lb.local"],
            "n'est ni une adresse IP",
        ),
        (["--local-postgres", "--public-url", PUBLIC_URL, "--backup-dir", "x"], "chemin absolu"),
        (["--local-postgres", "--public-url"], "--public-url attend une valeur"),
        (["--bogus"], "option inconnue « --bogus »"),
    ],
)
def test_bad_options_get_one_clear_line(
    tmp_path: Path, good_wheel: Path, args: list[str], message: str
) -> None:
    result = run_script(INSTALL, "--root", tmp_path, "--source", good_wheel, *args)
    assert result.returncode == 1
    assert result.stderr.startswith("erreur : ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_systemd_analyze_verify_is_clean(server_root: tuple[Path, str], tmp_path: Path) -> None:
    tool("systemd-analyze")
    root = systemd_root(copy_root(server_root[0], tmp_path))
    result = verify_units(root, ALL_UNITS)
    # verify exits 0 even for unknown keys: any message at all is a defect.
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr
    # It would notice a mistake in the template.
    unit = root / UNITS / "couloir-server@.service"
    unit.write_text(unit.read_text().replace("LimitNOFILE=65536", "LimitNOFILE=lots"))
    broken = verify_units(root, ["couloir-server@8001.service"])
    assert "Failed to parse resource value, ignoring: lots" in broken.stdout + broken.stderr


@pytest.mark.parametrize(
    "unit", ["couloir-server@8001.service", "couloir-migrate.service", "couloir-pgdump.service"]
)
def test_exposure_score(server_root: tuple[Path, str], tmp_path: Path, unit: str) -> None:
    """systemd's own audit of each sandbox ("OK" is below 5 on its 0-10 exposure scale)."""
    root = systemd_root(copy_root(server_root[0], tmp_path))
    result = subprocess.run(
        [
            tool("systemd-analyze"),
            "security",
            "--offline=yes",
            f"--root={root}",
            "--threshold=20",
            unit,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next(x for x in result.stdout.splitlines() if "Overall exposure level" in x)
    assert float(line.split(":")[1].split()[0]) <= 2.0, line


def test_backup_timer_is_nightly(server_root: tuple[Path, str]) -> None:
    timer = parse_unit(server_root[0] / UNITS / "couloir-pgdump.timer")
    assert timer["Timer.OnCalendar"] == ["*-*-* 02:30:00"]
    assert timer["Timer.Persistent"] == ["true"]
    service = parse_unit(server_root[0] / UNITS / "couloir-pgdump.service")
    assert service["Service.ExecStart"] == ["/opt/couloir/deploy/bin/couloir-pgdump"]
    assert "COULOIR_BACKUP_KEEP=14" in service["Service.Environment"][0].split()


# --- Caddy ---------------------------------------------------------------------------------


def caddy_env(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "caddy-home"
    return {
        "HOME": str(data),
        "XDG_DATA_HOME": str(data / "data"),
        "XDG_CONFIG_HOME": str(data / "config"),
        "PATH": "/usr/bin:/bin",
    }


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--tls", "internal"],
        ["--tls", "off", "--trusted-proxies", "10.0.0.0/8 192.168.1.10"],
        ["--acme-email", "ops@example.fr", "--instances", "5", "--base-port", "9001"],
    ],
)
def test_caddy_validates_the_written_caddyfile(
    server_root: tuple[Path, str], good_wheel: Path, tmp_path: Path, args: list[str]
) -> None:
    caddy = tool("caddy")
    root = copy_root(server_root[0], tmp_path)
    install(root, good_wheel, *args)
    result = subprocess.run(
        [
            caddy,
            "validate",
            "--config",
            str(root / "etc/caddy/Caddyfile"),
            "--adapter",
            "caddyfile",
        ],
        capture_output=True,
        text=True,
        env=caddy_env(tmp_path),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "Valid configuration" in result.stdout + result.stderr, (
        result.stderr
    )


@pytest.fixture
def two_instances(seeded_data: tuple[Path, str], tmp_path: Path) -> Iterator[list[tuple]]:
    """Two ``couloir serve`` on free ports, on one (SQLite) data folder, like two instances."""
    data = tmp_path / "data"
    shutil.copytree(seeded_data[0], data)
    env = {**script_env(), "COULOIR_DATA_DIR": str(data)}
    couloir = [str(VENV_PYTHON), "-m", "api.cli"]  # this checkout's code, as seeded_data's
    started = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = (tmp_path / f"server-{name}.log").open("w")
            process = subprocess.Popen(
                [*couloir, "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append((port, process, log))
        for port, process, _ in started:
            wait_for_health(f"http://127.0.0.1:{port}/healthz", process=process)
        yield started
    finally:
        for _, process, log in started:
            stop_process(process)
            log.close()


def test_caddy_balances_the_instances_and_streams_events_unbuffered(
    server_root: tuple[Path, str],
    good_wheel: Path,
    seeded_data: tuple[Path, str],
    two_instances: list[tuple],
    tmp_path: Path,
) -> None:
    """The written Caddyfile (plain HTTP mode, moved to free ports) in front of two servers."""
    caddy = tool("caddy")
    root = copy_root(server_root[0], tmp_path)
    install(root, good_wheel, "--tls", "off", "--instances", "2")
    front = free_port()
    (a_port, a_process, _), (b_port, _, _) = two_instances
    config = (root / "etc/caddy/Caddyfile").read_text().replace(":80 {", f":{front} {{", 1)
    config = config.replace("127.0.0.1:8001", f"127.0.0.1:{a_port}")
    config = config.replace("127.0.0.1:8002", f"127.0.0.1:{b_port}")
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(config)
    with (tmp_path / "caddy.log").open("w") as log:
        proxy = subprocess.Popen(
            [caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
            env=caddy_env(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{front}"
            wait_for_health(f"{url}/healthz", process=proxy)
            # The first event reaches the screen through Caddy at once: nothing buffers it.
            started = time.monotonic()
            lines: list[str] = []
            headers = {"Authorization": f"Bearer {seeded_data[1]}"}
            with httpx.stream(
                "GET", f"{url}/api/v1/display/events", headers=headers, timeout=10
            ) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                assert "content-encoding" not in response.headers
                for line in response.iter_lines():
                    lines.append(line)
                    if line.startswith("event: snapshot"):
                        break
            assert time.monotonic() - started < 5
            # One instance gone: every request still answered, by the other one.
            stop_process(a_process)
            answers = [httpx.get(f"{url}/healthz", timeout=15).status_code for _ in range(20)]
            assert answers == [200] * 20
        finally:
            stop_process(proxy)


# --- PostgreSQL: role and database, nightly dump, restore ------------------------------------


def _test_database_url() -> str | None:
    return os.environ.get("COULOIR_TEST_DATABASE_URL") or os.environ.get("POSTGRES_TEST_URL")


@pytest.fixture
def postgres_admin() -> Iterator[dict[str, str]]:
    """libpq variables for an administrator of the test PostgreSQL (its local socket)."""
    url = _test_database_url()
    if not url:
        pytest.skip("no test PostgreSQL (COULOIR_TEST_DATABASE_URL / POSTGRES_TEST_URL)")
    port = str(urlsplit(url).port or 5432)
    socket_dir = os.environ.get("POSTGRES_TEST_SOCKET_DIR", "/tmp")
    if not Path(socket_dir, f".s.PGSQL.{port}").exists():
        pytest.skip(
            f"no administrator socket {socket_dir}/.s.PGSQL.{port} (scripts/postgres-test-server)"
        )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PG", "COULOIR_"))},
        "PGHOST": socket_dir,
        "PGPORT": port,
        "PGUSER": "postgres",
    }
    yield env


def psql(admin: dict[str, str], sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", "--no-psqlrc", "-qtAX", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
        env=admin,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def central_database(postgres_admin: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """A role and database made by couloir-db-create: (name, password, SQLAlchemy URL)."""
    name = f"couloir_t{secrets.token_hex(4)}"
    password = secrets.token_hex(24)
    create = [str(SERVER / "bin/couloir-db-create"), "--role", name, "--database", name]
    try:
        for _ in range(2):  # the second run finds everything there and changes nothing
            result = subprocess.run(
                create,
                input=password + "\n",
                env=postgres_admin,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert f"rôle {name} et base de données {name} prêts" in result.stdout
            assert password not in result.stdout + result.stderr
        port = postgres_admin["PGPORT"]
        yield name, password, f"postgresql+psycopg://{name}:{password}@127.0.0.1:{port}/{name}"
    finally:
        for database in (name, f"{name}_restored"):
            psql(postgres_admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        psql(postgres_admin, f'DROP ROLE IF EXISTS "{name}"')


def test_db_create_refuses_a_missing_password(postgres_admin: dict[str, str]) -> None:
    result = subprocess.run(
        [str(SERVER / "bin/couloir-db-create")],
        input="",
        env=postgres_admin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "donnez le mot de passe" in result.stderr


def run_pgdump(root: Path, url: str, backups: Path) -> subprocess.CompletedProcess[str]:
    argv, env = unit_command(
        root / UNITS / "couloir-pgdump.service",
        root,
        {"COULOIR_DATABASE_URL": url, "COULOIR_BACKUP_DIR": str(backups)},
    )
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_nightly_dump_keeps_14_and_restores_with_pg_restore(
    server_root: tuple[Path, str],
    central_database: tuple[str, str, str],
    postgres_admin: dict[str, str],
    tmp_path: Path,
) -> None:
    root = server_root[0]
    name, password, url = central_database
    # The central database as an operator sets it up: schema, first agency, first admin.
    settings = {"COULOIR_DATABASE_URL": url, "COULOIR_DATA_DIR": str(tmp_path / "data")}
    argv, env = unit_command(root / UNITS / "couloir-migrate.service", root, settings)
    migrated = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    env_file = tmp_path / "couloir.env"
    env_file.write_text(
        "".join(
            f"{k}={v}\n"
            for k, v in {**read_env_file(root / "etc/couloir/couloir.env"), **settings}.items()
        )
    )
    helper_env = {**env, "COULOIR_ENV_FILE": str(env_file)}
    agency = subprocess.run(
        [
            str(root / "opt/couloir/deploy/bin/couloir-cli"),
            *("agency", "add", "siege", "Direction régionale"),
        ],
        env=helper_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert agency.returncode == 0, agency.stdout + agency.stderr
    assert "agence créée : siege" in agency.stdout
    admin = subprocess.run(
        [
            str(root / "opt/couloir/deploy/bin/couloir-cli"),
            "user",
            "add",
            "admin@example.fr",
            "--name",
            "Admin Central",
            "--role",
            "admin",
            "--agency",
            "siege",
            "--password-stdin",
        ],
        input="un mot de passe assez long\n",
        env=helper_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert admin.returncode == 0, admin.stdout + admin.stderr

    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / f"couloir-202501{day:02d}-023000.dump" for day in range(1, 16)]
    for path in old:
        path.write_bytes(b"older dump")
    (backups / "notes.txt").write_text("the operator's own file")
    result = run_pgdump(root, url, backups)
    assert result.returncode == 0, result.stdout + result.stderr
    dumps = sorted(backups.glob("couloir-*.dump"))
    assert len(dumps) == 14 and dumps[-1] not in old
    assert not old[0].exists() and not old[1].exists() and old[2].exists()
    assert (backups / "notes.txt").exists() and not list(backups.glob(".*partial"))
    assert f"{dumps[-1].name} écrite" in result.stdout and "14 sauvegardes gardées" in result.stdout
    assert password not in result.stdout + result.stderr

    # The restore paragraph of the README: a fresh database, then pg_restore.
    restored = f"{name}_restored"
    psql(postgres_admin, f'CREATE DATABASE "{restored}" OWNER "{name}"')
    as_owner = {**postgres_admin, "PGHOST": "127.0.0.1", "PGUSER": name, "PGPASSWORD": password}
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dumps[-1])],
        env=as_owner,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    query = "SELECT (SELECT string_agg(code, ',') FROM agency), (SELECT string_agg(email, ',') FROM staff), (SELECT version_num FROM alembic_version)"
    assert psql(postgres_admin, query, restored) == psql(postgres_admin, query, name)
    assert psql(postgres_admin, query, restored).startswith("siege|admin@example.fr|")


def test_a_failed_dump_keeps_every_previous_one(
    server_root: tuple[Path, str], central_database: tuple[str, str, str], tmp_path: Path
) -> None:
    _, password, url = central_database
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / f"couloir-202501{day:02d}-023000.dump" for day in range(1, 16)]
    for path in old:
        path.write_bytes(b"older dump")
    result = run_pgdump(server_root[0], url.replace(password, "wrong-password"), backups)
    assert result.returncode == 1
    assert "les sauvegardes précédentes sont gardées" in result.stderr
    assert sorted(backups.iterdir()) == old


def test_server_unit_command_serves_and_stops_within_timeout(
    server_root: tuple[Path, str], central_database: tuple[str, str, str], tmp_path: Path
) -> None:
    """The instance template's ExecStart, for one port, on the central PostgreSQL database."""
    help_text = subprocess.run(
        [str(VENV_PYTHON), "-m", "api.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    if "--workers" not in help_text or "--forwarded-allow-ips" not in help_text:
        pytest.skip("couloir serve has no --workers/--forwarded-allow-ips yet")
    root = copy_root(server_root[0], tmp_path)
    port = free_port()
    template = (root / UNITS / "couloir-server@.service").read_text()
    unit = root / UNITS / f"couloir-server@{port}.service"
    unit.write_text(template.replace("%i", str(port)))  # what systemd does for the instance
    settings = {"COULOIR_DATABASE_URL": central_database[2], "COULOIR_DATA_DIR": str(tmp_path)}
    argv, env = unit_command(unit, root, settings)
    assert argv[argv.index("--workers") + 1] == "2"
    stop_timeout = int(parse_unit(unit)["Service.TimeoutStopSec"][0])
    with (tmp_path / "server.log").open("w") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            response = wait_for_health(f"http://127.0.0.1:{port}/healthz", process=process)
            assert response.json()["status"] == "ok"
            # systemd's stop: SIGTERM to the main process (KillMode=mixed), then wait.
            started = time.monotonic()
            process.terminate()
            process.wait(stop_timeout)
            assert time.monotonic() - started < stop_timeout
        finally:
            stop_process(process)
    assert process.returncode == 0, (tmp_path / "server.log").read_text()
