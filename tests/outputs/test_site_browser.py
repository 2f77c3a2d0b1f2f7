"""The page of `difbib site` in a real browser: headless Chromium driven by Selenium.

The page is opened from disk (``file://``), as a reader would. Expected values come
from difbib's own selection of the shipped library (``Library.select``) and from the
CLI (``difbib export``), so the tests follow the list as it grows. Screenshots go to
the test's temporary folder, and also to ``$DIFBIB_SCREENSHOTS`` when set (that is how
``docs/site.png`` is made: ``DIFBIB_SCREENSHOTS=docs pytest -k screenshot``).

The tests skip when Chromium, chromedriver or selenium are missing, except in CI
(``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from difbib.library.queries import Library
from tests.helpers import SHIPPED_LIBRARY, SHIPPED_LIST, Run
from tests.helpers.browser import chromium, require_browser
from tests.outputs.test_site import HOSTILE_BIB

pytestmark = pytest.mark.browser

VISIBLE_KEYS = """
return Array.from(document.querySelectorAll("li.paper"))
  .filter((li) => li.getClientRects().length > 0)
  .map((li) => li.dataset.key);
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_browser()
    downloads = tmp_path_factory.mktemp("downloads")
    with chromium(downloads, tmp_path_factory.mktemp("profile"), width=1100, height=820) as driver:
        driver.downloads = downloads
        yield driver


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load(SHIPPED_LIBRARY, SHIPPED_LIST)


def cli(*args: str, library_path: Path = SHIPPED_LIBRARY) -> str:
    res = Run()(*args, "--library", str(library_path), "--list", str(SHIPPED_LIST))
    assert res.exit_code == 0, res.stderr
    return res.stdout


def build(folder: Path, library_path: Path = SHIPPED_LIBRARY) -> str:
    """`difbib site -o folder`; returns the page's file:// URL."""
    cli("site", "-o", str(folder), library_path=library_path)
    return (folder / "index.html").as_uri()


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    return build(tmp_path_factory.mktemp("site"))


def open_page(driver, url: str) -> None:
    driver.get(url)
    driver.get_log("browser")  # start each test with an empty console


def visible(driver) -> list[str]:
    return driver.execute_script(VISIBLE_KEYS)


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    if target := os.environ.get("DIFBIB_SCREENSHOTS"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


def choose(driver, element_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", element_id)).select_by_value(value)


def problems(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def test_page_shows_every_paper_screenshot(browser, page, library, tmp_path):
    open_page(browser, page)
    keys = [p.key for p in library.papers]
    assert sorted(visible(browser)) == sorted(keys)
    assert browser.find_element("id", "shown").text == str(len(keys))
    assert browser.find_element("id", "controls").is_displayed()  # the script ran (CSP hash ok)
    assert all(b.is_displayed() for b in browser.find_elements("css selector", "button.copy"))
    assert problems(browser) == []  # no CSP violation, no script error
    browser.find_element("css selector", "li.paper details.abstract summary").click()
    shot = screenshot(browser, tmp_path, "site.png")
    assert shot.stat().st_size > 10_000


def test_filter_by_category_and_rating(browser, page, library):
    open_page(browser, page)
    choose(browser, "category", "distillation")
    expected = [p.key for p in library.select(categories=["distillation"])]
    assert sorted(visible(browser)) == sorted(expected)
    assert browser.find_element("id", "shown").text == str(len(expected))
    choose(browser, "rating", "5")
    expected = [p.key for p in library.select(categories=["distillation"], min_rating=5)]
    assert sorted(visible(browser)) == sorted(expected) and expected
    choose(browser, "category", "")
    assert sorted(visible(browser)) == sorted(p.key for p in library.select(min_rating=5))


def test_search_titles_authors_and_abstracts(browser, page, library):
    open_page(browser, page)
    box = browser.find_element("id", "search")
    box.send_keys("flash")
    # by default titles and authors: the FlashAttention papers, not those citing them
    flash = [p.key for p in library.papers if "FlashAttention" in p.plain_title]
    assert sorted(visible(browser)) == sorted(flash) and len(flash) >= 3
    browser.find_element("id", "in-abstracts").click()
    # also in abstracts: as `difbib list --search flash`
    everywhere = [p.key for p in library.select(search="flash")]
    assert sorted(visible(browser)) == sorted(everywhere) and len(everywhere) > len(flash)
    browser.find_element("id", "in-abstracts").click()
    box.clear()
    box.send_keys("MICHAEL GHARBI")  # any case, no accents: Michaël Gharbi
    gharbi = [p.key for p in library.papers if "Michaël Gharbi" in p.authors]
    assert sorted(visible(browser)) == sorted(gharbi) and gharbi
    box.clear()
    box.send_keys("no such paper anywhere")
    assert visible(browser) == []
    assert browser.find_element("id", "none").is_displayed()
    assert not browser.find_element("id", "download").is_enabled()


def test_copy_bibtex_gives_what_export_gives(browser, page, library):
    open_page(browser, page)
    # Record what the button hands to the clipboard (headless Chromium has no clipboard).
    browser.execute_script(
        "window.copied = [];"
        "Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {"
        "  writeText: (text) => { window.copied.push(text); return Promise.resolve(); }}});"
    )
    for key in ("yin2024improved", library.papers[0].key):
        item = browser.find_element("id", f"paper-{key}")
        button = item.find_element("css selector", "button.copy")
        browser.execute_script("arguments[0].scrollIntoView()", button)
        button.click()
        copied = browser.execute_script("return window.copied.pop()")
        assert copied == cli("export", "-k", key)
        assert button.text == "Copied"


def test_download_these_as_bib(browser, page, library):
    for old in browser.downloads.iterdir():
        old.unlink()
    open_page(browser, page)
    choose(browser, "category", "distillation")
    browser.find_element("id", "download").click()
    target = browser.downloads / "distillation.bib"
    deadline = time.monotonic() + 10
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.read_text(encoding="utf-8") == cli("export", "--category", "distillation")


def test_readable_without_javascript(browser, page, library):
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_page(browser, page)
        assert len(visible(browser)) == len(library.papers)  # (this script runs via devtools)
        assert not browser.find_element("id", "controls").is_displayed()
        assert not any(b.is_displayed() for b in browser.find_elements("css selector", "button"))
        item = browser.find_element("id", "paper-yin2024improved")
        item.find_element("css selector", "details.bibtex summary").click()
        pre = item.find_element("css selector", "details.bibtex pre")
        assert pre.is_displayed() and pre.text.startswith(
            "@inproceedings{yin2024improved,"
        )  # NeurIPS 2024
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def _assert_nothing_ran(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    assert driver.execute_script("return window.pwned") is None
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018


def test_hostile_entry_runs_no_script(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    hostile = tmp_path / "hostile.bib"
    hostile.write_text(SHIPPED_LIBRARY.read_text(encoding="utf-8") + "\n" + HOSTILE_BIB, "utf-8")
    open_page(browser, build(tmp_path / "site", hostile))
    browser.find_element("id", "search").send_keys("pwned")
    assert visible(browser) == ["evil2024script"]
    item = browser.find_element("id", "paper-evil2024script")
    title = item.find_element("css selector", "h2")
    assert title.text.startswith("<script>window.pwned = 'title'</script>\" onmouseover=")
    assert title.find_elements("css selector", "a") == []  # a javascript: URL gives no link
    ActionChains(browser).move_to_element(title).perform()
    for summary in item.find_elements("css selector", "summary"):
        summary.click()
    assert "<script>window.pwned = 'abstract'</script>" in item.text
    ActionChains(browser).move_to_element(item.find_element("css selector", ".authors")).perform()
    _assert_nothing_ran(browser)
    assert len(browser.find_elements("css selector", "script")) == 1
    assert browser.find_elements("css selector", "img, svg, iframe") == []
    assert problems(browser) == []
    screenshot(browser, tmp_path, "hostile.png")


def test_csp_blocks_a_script_that_escaped_escaping(browser, tmp_path):
    """Defence in depth: markup pasted into the page raw still cannot run."""
    folder = tmp_path / "site"
    build(folder)
    page = folder / "index.html"
    html = page.read_text(encoding="utf-8")
    injected = (
        "<main><script>window.pwned = 'inline'</script>"
        "<img src='data:,' onerror=\"window.pwned = 'handler'\">"
        "<a id='js' href=\"javascript:window.pwned = 'link'\">x</a>"
    )
    page.write_text(html.replace("<main>", injected, 1), encoding="utf-8")
    open_page(browser, page.as_uri())
    browser.find_element("id", "js").click()
    _assert_nothing_ran(browser)
    assert any("Content Security Policy" in message for message in problems(browser))
    assert browser.find_element("id", "controls").is_displayed()  # the page's own script ran


def test_filters_live_in_the_address(browser, page, library):
    open_page(browser, page + "#category=distillation&rating=5")
    expected = [p.key for p in library.select(categories=["distillation"], min_rating=5)]
    assert sorted(visible(browser)) == sorted(expected)
    browser.find_element("id", "search").send_keys("flash")
    choose(browser, "category", "")
    assert browser.current_url == page + "#rating=5&q=flash"
    bookmark = browser.current_url
    open_page(browser, "about:blank")
    open_page(browser, bookmark)  # a bookmark of that view
    assert browser.find_element("id", "search").get_attribute("value") == "flash"
    assert sorted(visible(browser)) == sorted(
        p.key for p in library.select(min_rating=5) if "flash" in p.plain_title.lower()
    )
    open_page(browser, page + "#category=nonesuch")  # an unknown category shows everything
    assert len(visible(browser)) == len(library.papers)
