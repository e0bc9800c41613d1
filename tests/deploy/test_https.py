"""install.sh --https: Caddy in front of the service with its own local CA.

The end-to-end test runs Debian's ``caddy`` with the Caddyfile install.sh wrote (moved to
free ports and a temporary data folder) in front of the server unit's command, downloads the
CA the way a phone does, and makes a verified HTTPS request with it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from deploy_support import (
    DEPLOY,
    free_port,
    install_root,
    read_env_file,
    stop_process,
    unit_command,
    wait_for_health,
)

from api.security.limits import (
    DEFAULT_BODY_LIMIT,
    MAX_UPLOAD_MB_ALLOWED,
    MIB,
    photo_form_bytes,
)

HOST = "couloir.local"
_UNITS = {"MiB": 1024 * 1024, "MB": 1_000_000}


def _caddy_limits(caddyfile: str) -> tuple[int, int]:
    """(the limit for every body, the one for everything but uploads), in bytes."""
    sizes = [
        int(n) * _UNITS[unit] for n, unit in re.findall(r"max_size (\d+)(MiB|MB)\b", caddyfile)
    ]
    assert len(sizes) == 2, sizes
    return max(sizes), min(sizes)


def test_caddy_limits_bodies_like_the_service() -> None:
    """Caddy refuses what the service would (api/security/limits.py), never more."""
    caddyfile = (DEPLOY / "conf/Caddyfile.in").read_text()
    uploads, others = _caddy_limits(caddyfile)
    assert others == DEFAULT_BODY_LIMIT
    largest = photo_form_bytes(MAX_UPLOAD_MB_ALLOWED)
    assert largest <= uploads <= largest + 2 * MIB
    # The paths Caddy lets grow are the upload routes of the service's table.
    paths = re.search(r"@not_upload not path (.+)", caddyfile)[1].split()
    assert paths == ["/api/v1/hires/*/photo", "/api/v1/display/screenshot", "/admin/embauches/*"]


@pytest.fixture(scope="module")
def https_root(
    tmp_path_factory: pytest.TempPathFactory,
    good_wheel: Path,
    installed_venv: Callable[[Path], None],
):
    """A Pi installed with --https (Couloir's virtualenv already there: this is about Caddy)."""
    root = tmp_path_factory.mktemp("pi-https")
    installed_venv(root)
    port = free_port()
    output = install_root(root, good_wheel, "--role", "all", "--https", "--port", str(port))
    return root, output, port


def test_https_install_writes_caddy_config_and_https_public_url(https_root) -> None:
    root, output, port = https_root
    caddyfile = (root / "etc/caddy/Caddyfile").read_text()
    assert f"{HOST} {{" in caddyfile
    assert f"reverse_proxy 127.0.0.1:{port}" in caddyfile
    assert "local_certs" in caddyfile
    values = read_env_file(root / "etc/couloir/couloir.env")
    # QR codes and cookies follow the HTTPS address.
    assert values["COULOIR_PUBLIC_URL"] == f"https://{HOST}"
    assert "COULOIR_ALLOW_HTTP" not in values  # production refuses plain HTTP here
    assert " caddy" in output.split("apt-get install", 1)[1].splitlines()[0]
    assert "exécuterait : systemctl reload-or-restart caddy.service" in output


def test_caddy_serves_the_service_over_https_with_its_local_ca(https_root, tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    curl = shutil.which("curl")
    if caddy is None or curl is None:
        pytest.skip("needs Debian's caddy and curl (apt install caddy curl)")
    root, _, port = https_root
    http_port, https_port = free_port(), free_port()
    data = tmp_path / "caddy-data"
    config = (root / "etc/caddy/Caddyfile").read_text()
    # Same file, moved off the privileged ports and out of /var/lib/caddy.
    config = config.replace("{\n", f"{{\n\thttp_port {http_port}\n\thttps_port {https_port}\n", 1)
    config = config.replace("/var/lib/caddy/.local/share/caddy", str(data / "caddy"))
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(config)

    argv, env = unit_command(
        root / "etc/systemd/system/couloir-server.service",
        root,
        {"COULOIR_DATA_DIR": str(tmp_path / "data"), "COULOIR_HOST": "127.0.0.1"},
    )
    caddy_env = {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(data),
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
    }
    with (tmp_path / "logs").open("w") as log:
        server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        proxy = subprocess.Popen(
            [caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
            env=caddy_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_health(f"http://127.0.0.1:{port}/healthz", process=server)
            # A phone downloads the CA over plain HTTP...
            ca = tmp_path / "couloir-ca.crt"
            deadline = time.monotonic() + 30
            while True:
                response = httpx.get(
                    f"http://127.0.0.1:{http_port}/couloir-ca.crt", headers={"Host": HOST}
                )
                if response.status_code == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert response.status_code == 200, response.text
            assert response.text.startswith("-----BEGIN CERTIFICATE-----")
            ca.write_bytes(response.content)
            # ...every other plain HTTP page sends it to HTTPS...
            redirect = httpx.get(f"http://127.0.0.1:{http_port}/admin", headers={"Host": HOST})
            assert redirect.status_code == 308
            assert redirect.headers["location"] == f"https://{HOST}/admin"
            # ...and with the CA trusted, HTTPS reaches the service, certificate verified.
            result = subprocess.run(
                [
                    curl,
                    "-sS",
                    "--fail",
                    "--cacert",
                    str(ca),
                    "--resolve",
                    f"{HOST}:{https_port}:127.0.0.1",
                    f"https://{HOST}:{https_port}/healthz",
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert '"status":"ok"' in result.stdout.replace(" ", "")
            # A body over the limit is refused in front of the service, not read whole. Caddy
            # 2.6 (Debian) answers 413, or 502 when the service's own 413 wins the race while
            # Caddy is still forwarding; over HTTP/2 the stream is reset (no status at all).
            big = tmp_path / "big.json"
            big.write_bytes(b" " * (2 * DEFAULT_BODY_LIMIT))
            refused = subprocess.run(
                [
                    curl,
                    "-sS",
                    "--http1.1",
                    "--cacert",
                    str(ca),
                    "--resolve",
                    f"{HOST}:{https_port}:127.0.0.1",
                    "-H",
                    "Content-Type: application/json",
                    "--data-binary",
                    f"@{big}",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    f"https://{HOST}:{https_port}/api/v1/offers",
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            # Refused with 413 (or 502 from the service behind), or cut mid-upload: Caddy closes
            # the connection once over the limit, and curl, still sending, reports a send or
            # receive failure (exit 55 or 56) instead of the status.
            cut = refused.returncode in {55, 56}
            assert cut or refused.stdout in {"413", "502"}, refused.stdout + refused.stderr
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            # Without the CA, the certificate is refused: trust really comes from it.
            untrusted = subprocess.run(
                [
                    curl,
                    "-sS",
                    "--resolve",
                    f"{HOST}:{https_port}:127.0.0.1",
                    f"https://{HOST}:{https_port}/healthz",
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert untrusted.returncode != 0
        finally:
            stop_process(proxy)
            stop_process(server)
