"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; ``scripts/test.sh`` installs it) and the
``playwright`` Python package (the ``test`` extra). Playwright's own browser download is never
used. Skipped, with the reason, only when one of the two is missing.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
EVIL = "<script>window.__pwned = 1</script>"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (pip install "
                                      "'rlscale[test]')")
if not Path(CHROMIUM).exists():
    if os.environ.get("RLSCALE_REQUIRE_BROWSER"):   # CI sets it: a missing browser must fail, not skip
        raise RuntimeError("RLSCALE_REQUIRE_BROWSER is set but Debian's chromium is not installed")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium; "
                "scripts/test.sh does this)", allow_module_level=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The catalog's essay analysis plus a user file whose source name holds a <script> tag."""
    from rlscale.cli import main

    tmp = tmp_path_factory.mktemp("browser")
    data = tmp / "evil.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["curve", "axis", "compute", "score", "n", "source"])
        for k, c in enumerate([1, 10, 100]):
            w.writerow(["user-rl", "rl", c, 0.3 + 0.1 * k, 200, EVIL])
            w.writerow(["user-inf", "inference", c, 0.3 + 0.2 * k, 200, EVIL])
    out = tmp / "rlscale-report"
    with pytest.raises(SystemExit) as exc:
        main(["report", "catalog:essay", str(data), "-o", str(out), "--bootstrap", "100"])
    assert exc.value.code == 0
    return out / "index.html"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(report, browser):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.console_errors, pg.requests = [], []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.goto(report.as_uri(), wait_until="load")
    yield pg
    pg.close()


def test_opens_offline_without_errors_or_network(page):
    assert page.title().startswith("How well does RL scale")
    assert page.console_errors == []
    foreign = [u for u in page.requests if not u.startswith(("file://", "data:"))]
    assert foreign == []


def test_every_figure_is_visible(page):
    imgs = page.locator("figure img")
    assert imgs.count() >= 4  # twin charts, slope ratios, exchange (+ economics when present)
    for i in range(imgs.count()):
        img = imgs.nth(i)
        img.scroll_into_view_if_needed()
        assert img.is_visible()
        loaded = img.evaluate("el => el.complete && el.naturalWidth > 0 && el.naturalHeight > 0")
        assert loaded, img.get_attribute("alt")
        box = img.bounding_box()
        assert box["width"] > 200 and box["height"] > 100


def test_headline_comes_first(page):
    assert page.locator("main section").first.get_attribute("id") == "headline"
    sentence = page.locator("#headline p").first
    assert sentence.get_attribute("id") == "headline-sentence"
    assert "0.55" in sentence.inner_text()


def test_calculator(page):
    page.fill("#calc-ratio", "0.5")
    page.fill("#calc-scale", "10")
    assert page.inner_text("#calc-exchange") == "3.16x"
    page.fill("#calc-fraction", "1")
    assert page.inner_text("#calc-total") == "5.5x"
    page.fill("#calc-fraction", "0.01")
    assert page.inner_text("#calc-total") == "1.09x"  # essay: o1 -> o3 took 1.01x to ~1.1x
    page.fill("#calc-scale", "10000")
    assert page.inner_text("#calc-exchange") == "100x"
    page.fill("#calc-scale", "")
    assert page.inner_text("#calc-exchange") == "–"
    assert page.get_attribute("#calc-scale", "aria-invalid") == "true"
    page.fill("#calc-scale", "10")
    assert page.console_errors == []


def test_script_in_data_is_text_and_never_runs(page):
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert EVIL in page.inner_text("#data")
    assert page.locator("script").count() == 2  # the JSON data block and the calculator


def test_screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000


PHONE = {"width": 390, "height": 844}
#: Smallest readable text (CSS px) for figure text on a phone.
MIN_TEXT_PX = 9.0


@pytest.fixture(scope="module")
def phone(report, browser):
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    pg = ctx.new_page()
    pg.goto(report.as_uri(), wait_until="load")
    yield pg
    ctx.close()


def test_phone_screenshot(phone):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "report-phone.png"
    phone.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000


def test_phone_nothing_wider_than_the_screen(phone):
    """No element reaches past the viewport, except a figure inside its sideways-scrolling
    wrapper, which then shows its hint; no table hides values behind a scroll."""
    found = phone.evaluate("""() => {
        const vw = document.documentElement.clientWidth, bad = [];
        if (document.documentElement.scrollWidth > vw) bad.push('page ' + document.documentElement.scrollWidth);
        for (const el of document.querySelectorAll('body *')) {
            if (el.closest('.figscroll') || el.closest('script')) continue;
            const r = el.getBoundingClientRect();
            if (r.width && (r.right > vw + 0.5 || r.left < -0.5)) bad.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
            if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'
                && !el.classList.contains('figscroll')) bad.push('scrolls: ' + el.tagName + '.' + el.className);
        }
        return bad;
    }""")
    assert found == []


def test_phone_assumptions_table_is_readable(phone):
    cells = phone.evaluate("""() => [...document.querySelectorAll('table.assumptions td')].map(td => ({
        w: td.getBoundingClientRect().width, clipped: td.scrollWidth > td.clientWidth + 1,
        text: td.innerText}))""")
    assert cells, "the report has no assumptions table"
    assert all(c["w"] > 100 and not c["clipped"] for c in cells if c["text"].strip())


def test_phone_figure_text_stays_readable(phone):
    from rlscale.report._style import MIN_FONT_PT

    figs = phone.evaluate("""() => [...document.querySelectorAll('figure')].map(f => {
        const img = f.querySelector('img'), wrap = f.querySelector('.figscroll'),
              hint = f.querySelector('.scrollhint');
        return {drawn: +img.getAttribute('width'), shown: img.getBoundingClientRect().width,
                wider: img.getBoundingClientRect().width > wrap.clientWidth + 1,
                hint: hint.getBoundingClientRect().height > 0 && getComputedStyle(hint).display !== 'none'};
    })""")
    assert len(figs) >= 4
    for f in figs:
        assert f["shown"] / f["drawn"] * MIN_FONT_PT * 96 / 72 >= MIN_TEXT_PX, f
        assert f["hint"] or not f["wider"], f  # a figure that scrolls says so
