"""Couloir service: the JSON API, the database and the domain rules."""

__version__ = "0.1.0"
