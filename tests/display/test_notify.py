"""sd_notify over a real unix datagram socket, as systemd would listen."""

from __future__ import annotations

import socket
import uuid

import pytest

from display.notify import Notifier


@pytest.fixture
def systemd_socket(tmp_path):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify.sock"
    listener.bind(str(path))
    listener.settimeout(2)
    yield listener, str(path)
    listener.close()


def test_ready_then_watchdog_at_half_the_period(systemd_socket):
    listener, path = systemd_socket
    now = [100.0]
    notifier = Notifier(path, watchdog_usec=10_000_000, clock=lambda: now[0])
    assert notifier.ready()
    assert listener.recv(256).startswith(b"READY=1")

    assert not notifier.tick()  # just told systemd we are alive
    now[0] += 4.9
    assert not notifier.tick()
    now[0] += 0.2
    assert notifier.tick()
    assert listener.recv(256) == b"WATCHDOG=1"
    notifier.close()


def test_abstract_socket_address():
    name = f"couloir-test-{uuid.uuid4().hex}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind("\0" + name)
    listener.settimeout(2)
    try:
        notifier = Notifier.from_environment({"NOTIFY_SOCKET": "@" + name})
        assert notifier.enabled
        assert notifier.ready()
        assert listener.recv(256).startswith(b"READY=1")
        notifier.close()
    finally:
        listener.close()


def test_without_systemd_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = Notifier.from_environment()
    assert not notifier.enabled
    assert not notifier.ready()
    assert not notifier.tick()


def test_gone_socket_does_not_crash(tmp_path):
    notifier = Notifier(str(tmp_path / "missing.sock"))
    assert not notifier.ready()


def test_environment_watchdog_period():
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000"})
    assert notifier.watchdog_every_s == 15
