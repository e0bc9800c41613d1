"""Change notifications: a committed write moves its agency's revision and wakes its screens.

- ``revisions``: session hooks bump ``agency.revision`` in the committing transaction (and, on
  PostgreSQL, ``pg_notify`` in that same transaction), so no service has to remember to publish;
- ``broker``: what this process knows of each agency's revision, and the streams waiting on it;
  one interface, two backends chosen by the database: in-process for SQLite, and for
  PostgreSQL the same plus ``listener``, one LISTEN connection that hears every process and host;
- ``draining``: on SIGTERM, streams end with a reconnection delay spread over 1–30 s.
"""

from api.changes import draining
from api.changes.broker import ChangeBroker, broker_for
from api.changes.revisions import QUIET

__all__ = ["QUIET", "ChangeBroker", "broker_for", "draining"]
