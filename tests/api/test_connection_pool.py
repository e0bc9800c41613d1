"""A burst larger than the connection pool waits its turn instead of failing (PostgreSQL).

A request holds a database connection only while a worker thread runs its database work, never
while it waits for a thread: otherwise, with more requests than threads, every thread waits for
a connection held by a request that waits for a thread, and the pool's timeout answers 503.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import engine_name
from tests.support.server import LiveServer

pytestmark = pytest.mark.skipif(
    engine_name() != "postgresql", reason="SQLite's pool has no limit to exhaust"
)

POOL_SIZE = 2
# Well above the server's worker threads (40), so that every thread is busy at once.
CONCURRENT_REQUESTS = 120


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        Path(tmp_path_factory.mktemp("small-pool")),
        env={"COULOIR_DB_POOL_SIZE": str(POOL_SIZE), "COULOIR_DB_MAX_OVERFLOW": "0"},
    )
    try:
        live.start()
        yield live
    finally:
        live.close()


async def _burst(server: LiveServer, path: str, token: str) -> Counter[int]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CONCURRENT_REQUESTS)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, limits=limits, timeout=30
    ) as client:
        answers = await asyncio.gather(*(client.get(path) for _ in range(CONCURRENT_REQUESTS)))
    return Counter(answer.status_code for answer in answers)


# Cheap routes, so that the burst measures where connections are held, not how fast a loaded
# machine answers: a deadlock answers 503 after the pool's 10-second timeout.
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/me",  # the session is read by a dependency only
        "/api/v1/staff",  # and the route reads again
    ],
)
def test_a_burst_of_staff_requests_beyond_the_pool_is_all_answered(
    server: LiveServer, path: str
) -> None:
    statuses = asyncio.run(_burst(server, path, server.token("cde")))
    assert statuses == {200: CONCURRENT_REQUESTS}
    assert "QueuePool limit" not in server.log_path.read_text()
