"""What the JSON API, the staff pages and the command line call: rules and database work.

Both faces (``api/routes`` and ``admin/routes``) only validate their input, call a service with
the request's session and shape the answer; neither queries the database nor checks a rule of
its own, so a rule enforced on one face holds on the other.

Transaction convention: **a service function that changes something commits** its own
transaction before returning (and refreshes what it returns). Callers never commit. Helpers
that only add rows to the session (``audit.record``, ``images.save``, the défi's count for a
filled offer) say so in their docstring and are called from inside a committing function.
Reading functions never commit.
"""
