"""The reference web page in a real browser (headless Chromium driven by selenium)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium (deselect with -m 'not browser')"
    )
