"""The display's own PAM stack (conf/pam-couloir-display), run by this machine's libpam.

systemd opens the screen's session with ``PAMName=couloir-display``: it calls the account
step, the credential step, then opens the session (pam_systemd registers it with logind,
which hands over the DRM and input devices). The stack is loaded here from the repository's
file with ``pam_start_confdir`` and driven in that order, up to the session (there is no
logind here): each step systemd needs succeeds, and a password login through it fails.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import shutil
from pathlib import Path

import pytest
from deploy_support import DEPLOY

PAM_FILE = DEPLOY / "conf" / "pam-couloir-display"
PAM_SUCCESS = 0
PAM_ESTABLISH_CRED = 0x2
PAM_CONV_ERR = 19
USER = "nobody"  # a system user without a password, like couloir


class _Conv(ctypes.Structure):
    _fields_ = [("conv", ctypes.c_void_p), ("appdata_ptr", ctypes.c_void_p)]


_CONV_FUNC = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p
)


@_CONV_FUNC
def _no_one_answers(num_msg: int, messages: int, responses: int, appdata: int) -> int:
    """Nobody sits at the screen to type a password."""
    return PAM_CONV_ERR


@pytest.fixture
def pam(tmp_path: Path):
    """A PAM handle on the repository's stack, and the library to drive it."""
    name = ctypes.util.find_library("pam")
    if name is None:
        pytest.skip("libpam is not installed")
    lib = ctypes.CDLL(name)
    if not hasattr(lib, "pam_start_confdir"):
        pytest.skip("libpam older than 1.4 (no pam_start_confdir)")
    confdir = tmp_path / "pam.d"
    confdir.mkdir()
    shutil.copy(PAM_FILE, confdir / "couloir-display")
    conv = _Conv(ctypes.cast(_no_one_answers, ctypes.c_void_p), None)
    handle = ctypes.c_void_p()
    status = lib.pam_start_confdir(
        b"couloir-display",
        USER.encode(),
        ctypes.byref(conv),
        str(confdir).encode(),
        ctypes.byref(handle),
    )
    assert status == PAM_SUCCESS
    try:
        yield lib, handle
    finally:
        lib.pam_end(handle, PAM_SUCCESS)


def test_the_steps_systemd_runs_succeed_and_a_login_fails(pam) -> None:
    lib, handle = pam
    assert lib.pam_acct_mgmt(handle, 0) == PAM_SUCCESS
    assert lib.pam_setcred(handle, PAM_ESTABLISH_CRED) == PAM_SUCCESS
    # Nobody can log in through this stack: the system user has no password.
    assert lib.pam_authenticate(handle, 0) != PAM_SUCCESS


def test_every_module_of_the_stack_exists_and_nothing_of_login_runs() -> None:
    lines = [
        line.split()
        for line in PAM_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    modules = {fields[2] for fields in lines}
    assert modules == {"pam_unix.so", "pam_systemd.so"}
    for module in modules:
        found = glob.glob(f"/usr/lib/*/security/{module}") + glob.glob(f"/lib/*/security/{module}")
        if not found and module == "pam_systemd.so":
            pytest.skip("libpam-systemd is not installed here")
        assert found, module
    # The session is logind's, and required: without a seat the screen cannot draw.
    assert ["session", "required", "pam_systemd.so"] in lines
