"""Graceful shutdown for event streams: on SIGTERM or SIGINT, every stream ends at once.

The server waits for open responses before it exits, and a stream never ends by itself; so the
broker is closed as soon as the signal arrives, each stream sends an SSE ``retry:`` delay drawn
between 1 and 30 s and ends, and 2,000 screens come back spread over half a minute instead of
all in the same second. uvicorn's own handler still runs after ours.
"""

from __future__ import annotations

import random
import signal
import threading
from collections.abc import Callable
from types import FrameType

from api.changes.broker import ChangeBroker

RECONNECT_MIN_S = 1.0
RECONNECT_MAX_S = 30.0
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def reconnect_delay_ms() -> int:
    """A reconnection delay for one screen, uniform over 1–30 s."""
    return int(random.uniform(RECONNECT_MIN_S, RECONNECT_MAX_S) * 1000)


def close_on_signals(broker: ChangeBroker) -> Callable[[], None]:
    """Chain a handler that closes ``broker`` before the current one; return an undo.

    Called from the application's startup, where the server's own handlers are in place. Only
    the main thread may set handlers: elsewhere (a server run in a test thread) it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}

    def handler(sig: int, frame: FrameType | None) -> None:
        broker.close()
        chained = previous[sig]
        if callable(chained):
            chained(sig, frame)
        elif chained == signal.SIG_DFL:  # nobody else handles it: do what it would have done
            signal.signal(sig, signal.SIG_DFL)
            signal.raise_signal(sig)

    for sig in _SIGNALS:
        signal.signal(sig, handler)

    def undo() -> None:
        for sig, chained in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, chained)

    return undo
