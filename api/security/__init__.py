"""Authentication primitives: password hashing, staff sessions, login throttling."""
