"""Headless Chromium for the browser tests: start it, open a page, and check what the page did.

`start_chrome()` (or `chrome()`, which quits it at the end) runs Debian's `chromium` through `chromedriver`
(`make browser-deps`), failing — or, with MGKG_SKIP_BROWSER=1, skipping — when they are missing; its viewport is
`SCREEN` and it resolves no host but loopback. `serve_store(store)` serves the app in a real granian server
(tests/support/serving.py). `Browser` wraps the driver and the server's base URL: `open(path)` forgets what
earlier pages logged, loads the page and waits for it; then `outside_requests()` lists every request since that
did not go to the server (from Chrome's performance log, the DevTools Network events: failed and blocked requests
too), `console_errors()` the console's errors, `check_clean()` asserts both are empty, `accessibility()` runs
axe-core (vendored: tests/support/vendor/axe-core) and returns its serious and critical violations, and
`screenshot(name)` saves docs/screenshots/<name>.png when MGKG_SCREENSHOTS=1.

Waits are explicit (WebDriverWait on a condition, `WAIT` seconds at most); nothing sleeps or times itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver import Chrome
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from graph.core.config import Settings
from graph.store import EmbeddedStore
from server.app import create_app
from support.serving import serving

WAIT = 30
"""Seconds an explicit wait may last (a bound for loaded machines, never a measure)."""
SCRIPT_WAIT = 120
"""Seconds an asynchronous script (axe-core on the ontology page) may last."""
AXE = Path(__file__).parent / "vendor" / "axe-core"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
SCREEN = (1280, 900)
"""The viewport of the page tests and their screenshots, in CSS pixels (device scale 1)."""
FAILING_IMPACTS = ("serious", "critical")
LOCAL_SCHEMES = ("data", "blob", "about")
"""URL schemes that make no request to anyone (a `data:` icon, a blob)."""


def start_chrome(size: tuple[int, int] = SCREEN) -> Chrome:
    """Headless Chromium with its console and network logged, the viewport `size`, and no name resolving but
    loopback's (a request to another host fails, and is still logged as sent)."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        message = "chromium and chromedriver are needed: run `make browser-deps` (or set MGKG_SKIP_BROWSER=1)"
        if os.environ.get("MGKG_SKIP_BROWSER") == "1":
            pytest.skip(message)
        pytest.fail(message)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    width, height = size
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
        "--force-device-scale-factor=1", "--hide-scrollbars", "--lang=en-GB", "--disable-extensions",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    chrome.set_script_timeout(SCRIPT_WAIT)
    # The viewport itself, whatever the window's frame takes: screenshots are exactly `size`.
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return chrome


@contextmanager
def chrome(size: tuple[int, int] = SCREEN) -> Iterator[Chrome]:
    """`start_chrome(size)` for the length of the block."""
    driver = start_chrome(size)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def serve_store(store: EmbeddedStore) -> Iterator[str]:
    """The app over `store` in a real granian server on a free loopback port; yields its base URL."""
    settings = Settings(store="memory", host="127.0.0.1", port=0, threads=4)
    with serving(create_app(settings, store), settings) as url:
        yield url


def axe_source(folder: Path = AXE) -> str:
    """axe-core's script, checked against the hash its pin records (`folder`/vendor.json)."""
    pin = json.loads((folder / "vendor.json").read_text())
    data = (folder / "axe.min.js").read_bytes()
    digest = "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    if digest != pin["files"]["axe.min.js"]:
        raise AssertionError(f"{folder / 'axe.min.js'} is not axe-core {pin['version']} as pinned: "
                             "run `python -m tests.support.vendor.refresh`")
    return data.decode()


def outside(urls: list[str], base_url: str) -> list[str]:
    """The URLs among `urls` that go anywhere but `base_url`'s origin (data:, blob: and about: go nowhere)."""
    home = urlsplit(base_url)
    return [url for url in urls if urlsplit(url).scheme not in LOCAL_SCHEMES
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (home.scheme, home.netloc)]


def sent_requests(performance_log: list[dict[str, Any]]) -> list[str]:
    """The URL of every request in a Chrome performance log (its Network.requestWillBeSent events)."""
    urls = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def describe(violations: list[dict[str, Any]]) -> str:
    """axe-core violations as lines a failing assertion can show: rule, impact, help and the elements."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
                     for node in v["nodes"][:5])
    return "\n".join(lines)


@dataclass
class Browser:
    """A Chromium driver pointed at one server, remembering the requests and console lines since the last page."""

    driver: Chrome
    base_url: str
    _requests: list[str] = field(default_factory=list)
    _console: list[dict[str, Any]] = field(default_factory=list)

    def _drain(self) -> None:
        self._requests.extend(sent_requests(self.driver.get_log("performance")))  # type: ignore[no-untyped-call]
        self._console.extend(self.driver.get_log("browser"))  # type: ignore[no-untyped-call]

    def open(self, path: str, ready_css: str = "main") -> WebElement:
        """Forget earlier pages' logs, load `path` and wait until it is loaded and `ready_css` is there."""
        self._drain()
        self._requests.clear()
        self._console.clear()
        self.driver.get(self.base_url + path)
        return self.wait_for(ready_css)

    def wait_for(self, css: str) -> WebElement:
        """Wait until the document is loaded and an element matching `css` is there; return it."""
        self.until(lambda d: d.execute_script("return document.readyState") == "complete")
        return WebDriverWait(self.driver, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, css)))

    def wait_for_page(self, path: str | Callable[[str], bool], ready_css: str = "main") -> WebElement:
        """After a click or a key that navigates: wait until the browser shows `path` (or a path the function
        accepts), loaded, with an element matching `ready_css`; return that element."""
        wanted = path if callable(path) else path.__eq__
        self.until(lambda d: wanted(self.path()) and d.execute_script("return document.readyState") == "complete")
        return WebDriverWait(self.driver, WAIT).until(ready.presence_of_element_located((By.CSS_SELECTOR, ready_css)))

    def until(self, condition: Callable[[Chrome], Any]) -> Any:
        """Wait until `condition(driver)` is true; return what it returned."""
        return WebDriverWait(self.driver, WAIT).until(condition)

    def find(self, css: str) -> WebElement:
        """The first element matching `css` (it must be there)."""
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        """Every element matching `css`."""
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def path(self) -> str:
        """The current page's path and query."""
        url = urlsplit(self.driver.current_url)
        return url.path + (f"?{url.query}" if url.query else "")

    def outside_requests(self) -> list[str]:
        """Every request since the last `open` that went anywhere but the server."""
        self._drain()
        return outside(self._requests, self.base_url)

    def console_errors(self) -> list[str]:
        """The console's errors since the last `open` (script errors, failed loads, CSP refusals)."""
        self._drain()
        return [entry["message"] for entry in self._console if entry["level"] == "SEVERE"]

    def check_clean(self) -> None:
        """Assert that since the last `open` no request left the server and the console logged no error."""
        assert self.outside_requests() == []
        assert self.console_errors() == []
        assert self._requests, "the performance log recorded no request at all"

    def accessibility(self, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict[str, Any]]:
        """axe-core's violations of these impacts (serious and critical) on the current page, by every rule axe
        runs by default (WCAG 2.x A and AA, and its best practices)."""
        self.driver.execute_script(axe_source() + "\n;return true")
        results = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            "  .then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical', help: String(e),"
            "    nodes: []}]));"
        )
        return [v for v in results if v["impact"] in impacts]

    def check_accessible(self) -> None:
        """Assert axe-core finds no serious or critical violation on the current page."""
        violations = self.accessibility()
        assert violations == [], describe(violations)

    def screenshot(self, name: str, *, keep_focus: bool = False) -> Path | None:
        """Save the viewport, scrolled to the top and (unless `keep_focus`: an open list of suggestions) with nothing
        focused, as docs/screenshots/<name>.png when MGKG_SCREENSHOTS=1 (else nothing)."""
        if os.environ.get("MGKG_SCREENSHOTS") != "1":
            return None
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.driver.execute_script("window.scrollTo(0, 0)")
        if not keep_focus:
            self.driver.execute_script("document.activeElement && document.activeElement.blur()")
        self.driver.save_screenshot(str(target))
        return target
