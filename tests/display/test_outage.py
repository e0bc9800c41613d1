"""The service away for hours (issue 17, point 5), simulated: eight hours pass on the screen's
clocks in a few seconds. The screen keeps its last data with the discreet mark, writes nothing
to its card and does not grow, and catches up within seconds of the service's return; screens
cut off together come back spread over time.
"""

from __future__ import annotations

import statistics
from collections import Counter

from outage_support import return_spread, simulate_outage

from display.feed import Feed


def test_eight_hours_without_the_service(tmp_path):
    outage = simulate_outage(tmp_path, hours=8)
    assert len(outage.writes_per_hour) == 8
    # The last frame stays, marked, every hour of it.
    assert outage.marked_hours == 8
    # Nothing written to the card in a loop: not one write in any hour (the snapshot was
    # stored once, before the cut), and nothing but that snapshot in the cache folder.
    assert outage.writes_per_hour == [0] * 8
    assert outage.cache_files == ["snapshot.json"]
    # The log says it is still trying a few times an hour, not at every attempt.
    assert max(outage.log_lines_per_hour) <= 7, outage.log_lines_per_hour
    assert min(outage.attempts_per_hour) >= 100  # yet it keeps trying, every 15 to 30 s
    # Memory does not grow with the hours: as many Python objects alive at the end of each
    # hour, and the small blocks of memory in use level off (measured: +500 to +650 blocks
    # over 12 hours, flat from the sixth; a leak of one object a minute would add 480 in 8 h).
    assert max(outage.objects) - min(outage.objects) <= 50, outage.objects
    assert max(outage.blocks[1:]) - outage.blocks[1] < 1000, outage.blocks
    # Back within the capped delay, and the mark goes.
    assert outage.catch_up_s is not None and outage.catch_up_s <= 30.0
    assert outage.mark_after_return is None


def test_two_thousand_screens_come_back_spread_out():
    back = return_spread(2000, seed=17)
    # Everyone is back within the cap (30 s) after the service returns …
    assert max(back) <= 30.0
    assert statistics.median(back) <= 20.0
    # … but not together: no second takes more than 5 % of the screens (lock-step retries
    # would bring all 2,000 in the same instant), and they spread over 20 s or more.
    per_second = Counter(int(t) for t in back)
    assert max(per_second.values()) <= 100, per_second.most_common(3)
    assert max(back) - min(back) >= 20.0


def test_the_reconnection_delay_is_capped_with_jitter():
    feed = Feed("http://screen.test", "t", backoff_max_s=30.0)
    delays = [feed._backoff(50) for _ in range(200)]
    assert all(15.0 <= d <= 30.0 for d in delays)
    assert len({round(d, 3) for d in delays}) > 150
    feed.stop(timeout=0.1)
