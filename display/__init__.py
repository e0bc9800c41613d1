"""The corridor screen: a Pygame program that draws one agency's snapshot.

Drawing lives in ``display.renderer`` (scenes, header, ticker, QR codes); the loop, the
network feed and the on-disk cache live in ``display.app`` and its neighbours.
"""
