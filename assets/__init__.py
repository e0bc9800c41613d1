"""Fonts (with their licence), icons and images, installed beside ``display``.

A package only so that a wheel carries these files next to the code that reads them.
"""
