"""The web page of `provml serve` in headless Chromium: it lists the stored queries, runs a
query into a table, and draws the lineage of a model as SVG; it loads nothing from outside."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
MODEL = "https://w3id.org/provml/id/entity/model-mlp-1"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="the browser test needs Debian's chromium and chromedriver (apt install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                 "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_page_is_self_contained(provml_server: Any) -> None:
    page = httpx.get(provml_server.url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="(?!data:)([^"]+)"', page.text)
    assert sources and all(not s.startswith(("http:", "https:", "//")) for s in sources)
    for source in sources:
        assert httpx.get(f"{provml_server.url}/{source}").status_code == 200
    script = httpx.get(provml_server.url + "/static/app.js").text
    assert "https://" not in script.replace("https://w3id.org/provml#", "")


def test_page_runs_a_query_and_draws_the_lineage(provml_server: Any, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(provml_server.url + "/")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#query-list button[data-name='lineage']"))

    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("PREFIX prov: <http://www.w3.org/ns/prov#>\n"
                     "SELECT ?agent WHERE { ?agent a prov:Agent } ORDER BY ?agent")
    browser.find_element(By.ID, "run").click()
    table = wait.until(ec.presence_of_element_located((By.ID, "result-table")))
    headers = [th.text for th in table.find_elements(By.TAG_NAME, "th")]
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert headers == ["agent"] and len(rows) >= 2
    assert "rows" in browser.find_element(By.ID, "status").text

    # a stored query with a parameter, run through /queries/NAME
    browser.find_element(By.CSS_SELECTOR, "#query-list button[data-name='lineage']").click()
    param = browser.find_element(By.CSS_SELECTOR, "#params input[name='entity']")
    param.send_keys(MODEL)
    browser.find_element(By.ID, "run").click()
    wait.until(lambda d: "faults-normalised" in d.find_element(By.ID, "results").text)

    # the lineage drawing of the model, picked from the list of models and datasets
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#focus-pick option")) > 1)
    Select(browser.find_element(By.ID, "focus-pick")).select_by_value(MODEL)
    browser.find_element(By.ID, "draw").click()
    svg = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#lineage svg")))
    nodes = svg.find_elements(By.CSS_SELECTOR, "g.node")
    kinds = {n.get_attribute("class").split()[1] for n in nodes}
    labels = {e.text for e in svg.find_elements(By.CSS_SELECTOR, "g.edge text")}
    assert len(nodes) >= 5
    assert {"Entity", "Activity", "Agent"} <= kinds
    assert {"wasGeneratedBy", "used"} <= labels
    assert svg.find_elements(By.CSS_SELECTOR, f"g.node.focus[data-iri='{MODEL}']")
    assert svg.screenshot(str(tmp_path / "lineage.png"))  # it renders
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_page_shows_query_errors(provml_server: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(provml_server.url + "/")
    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("SELECT ?x WHERE { ?x")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 30).until(lambda d: "HTTP 400" in d.find_element(By.ID, "status").text)
    assert "does not parse" in browser.find_element(By.ID, "status").text
