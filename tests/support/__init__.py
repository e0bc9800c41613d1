"""Test support: real servers, real databases."""
