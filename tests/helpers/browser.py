"""A real browser for the page tests: headless Chromium driven by Selenium.

Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs them) are
used as installed; Selenium is never asked to download a browser or driver. Tests
call :func:`require_browser` first: it skips when the browser is missing, except in
CI (``CI`` set), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)


def _find(names: tuple[str, ...]) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


def require_browser() -> tuple[str, str]:
    """The paths of Chromium and chromedriver, or skip (fail in CI) naming what is missing."""
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    browser, driver = _find(BROWSERS), _find(DRIVERS)
    if browser is None:
        missing.append("Chromium (apt-get install chromium)")
    if driver is None:
        missing.append("chromedriver (apt-get install chromium-driver)")
    if missing and not os.environ.get("CI"):
        pytest.skip(f"browser tests need {', '.join(missing)}")
    if missing:
        pytest.fail(f"CI must run the browser tests, but these are missing: {', '.join(missing)}")
    assert browser and driver
    return browser, driver


@contextlib.contextmanager
def chromium(downloads: Path, profile: Path, *, width: int = 1200, height: int = 900) -> Iterator:
    """A headless Chromium (a Selenium WebDriver) that saves downloads into ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = require_browser()
    options = Options()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI containers run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield driver
    finally:
        driver.quit()
