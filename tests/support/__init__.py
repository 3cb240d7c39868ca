"""Helpers for the tests, reached through the fixtures of ``tests/conftest.py``.

Nothing here is a test module: pytest collects none of it, and test modules import from here
only for type annotations (under ``TYPE_CHECKING``).
"""
