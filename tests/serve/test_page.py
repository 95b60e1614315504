"""The search page in a real browser: headless Chromium (Debian chromium)
driven through Selenium and chromium-driver (Debian python3-selenium).
Types queries as a person would and checks results, highlights, paging,
the address, the keyboard, and that a document's markup shows as text.
Screenshots go to BUILD/serve-page.png and BUILD/serve-page-phone.png.
Every wait is bounded (WebDriverWait); nothing asserts on time."""

import os
import shutil

import pytest

from conftest import BUILD, WAIT

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1100,900", "--lang=en-US", "--disable-extensions"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    d.set_page_load_timeout(WAIT)
    yield d
    d.quit()


def wait(browser, cond):
    return WebDriverWait(browser, WAIT, poll_frequency=0.05).until(cond)


def hits(browser):
    return browser.find_elements(By.CSS_SELECTOR, "#results .hit")


def type_query(browser, server, text):
    browser.get("http://127.0.0.1:%d/" % server.port)
    box = wait(browser, lambda b: b.find_element(By.ID, "q"))
    box.send_keys(text)
    wait(browser, lambda b: ("q=" in b.current_url and b.find_element(By.ID, "status").text))
    return box


def test_type_query_first_result_and_highlight(browser, server):
    type_query(browser, server, "night calf cramps")
    wait(browser, lambda b: hits(b) and "night+calf+cramps" in b.current_url.replace("%20", "+"))
    first = hits(browser)[0]
    assert first.get_attribute("data-doc") == "002_d8b5a69b0f81f7af"
    assert first.get_attribute("data-passage") == "17"
    marks = [m.text for m in first.find_elements(By.TAG_NAME, "mark")]
    assert "calf" in marks and "night" in marks and "cramps" in marks
    text = first.find_element(By.CSS_SELECTOR, ".text").text
    assert "cramps may also be seen at night involving calf and toe muscles" in text
    assert "passages match" in browser.find_element(By.ID, "status").text
    os.makedirs(BUILD, exist_ok=True)
    browser.save_screenshot(os.path.join(BUILD, "serve-page.png"))


def test_address_opens_with_results(browser, server):
    browser.get("http://127.0.0.1:%d/?q=renal+colic" % server.port)
    wait(browser, lambda b: hits(b))
    assert browser.find_element(By.ID, "q").get_attribute("value") == "renal colic"
    marks = [m.text.lower() for m in hits(browser)[0].find_elements(By.TAG_NAME, "mark")]
    assert "renal" in marks and "colic" in marks


def test_markup_in_a_document_is_text(browser, server):
    type_query(browser, server, "zebrafish")
    wait(browser, lambda b: hits(b))
    first = hits(browser)[0]
    assert first.get_attribute("data-doc") == "xss-1"
    assert "<script>window.__pwned=1</script>" in first.text
    assert '<img src=x onerror="window.__pwned=1">' in first.find_element(By.TAG_NAME, "h2").text
    assert first.find_elements(By.CSS_SELECTOR, "script, img, b") == []
    assert browser.execute_script("return window.__pwned === undefined")


def test_no_results_says_what_was_searched(browser, server):
    type_query(browser, server, "qwxyzzy")
    empty = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#results .empty"))
    assert "No results for “qwxyzzy”" in empty[0].text
    assert hits(browser) == []


def test_bad_query_shows_the_error(browser, server):
    type_query(browser, server, "calf NEAR/0 night")
    status = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#status.error"))
    assert "byte 5" in status.text


def test_keyboard(browser, server):
    box = type_query(browser, server, "muscle spasm")
    wait(browser, lambda b: len(hits(b)) >= 3)
    box.send_keys(Keys.ARROW_DOWN)
    active = browser.switch_to.active_element
    assert active == hits(browser)[0]
    active.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == hits(browser)[1]
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert browser.switch_to.active_element == browser.find_element(By.ID, "q")
    hits(browser)[0].click()
    browser.switch_to.active_element.send_keys("/")
    assert browser.switch_to.active_element == browser.find_element(By.ID, "q")


def test_paging(browser, server):
    type_query(browser, server, "muscle")
    wait(browser, lambda b: len(hits(b)) == 10)
    page1 = [h.get_attribute("data-doc") + h.get_attribute("data-passage") for h in hits(browser)]
    nxt = browser.find_element(By.ID, "next")
    assert browser.find_element(By.ID, "prev").get_attribute("disabled")
    nxt.click()
    wait(browser, lambda b: "offset=10" in b.current_url)
    wait(browser, lambda b: b.find_element(By.ID, "results").get_attribute("start") == "11")
    page2 = [h.get_attribute("data-doc") + h.get_attribute("data-passage") for h in hits(browser)]
    assert page2 and not set(page1) & set(page2)
    assert "Results 11–" in browser.find_element(By.ID, "page").text
    browser.back()
    wait(browser, lambda b: "offset" not in b.current_url and
         b.find_element(By.ID, "results").get_attribute("start") == "1")


def test_whole_passage_toggle(browser, server):
    type_query(browser, server, "dehydration")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#results .hit .more"))
    hit = [h for h in hits(browser) if h.find_elements(By.CSS_SELECTOR, ".more")][0]
    before = hit.find_element(By.CSS_SELECTOR, ".text").text
    btn = hit.find_element(By.CSS_SELECTOR, ".more")
    btn.click()
    after = hit.find_element(By.CSS_SELECTOR, ".text").text
    assert btn.get_attribute("aria-expanded") == "true" and len(after) > len(before)


def test_phone_sized_window(browser, server):
    browser.set_window_size(390, 844)
    try:
        type_query(browser, server, "night calf cramps")
        wait(browser, lambda b: hits(b))
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        browser.save_screenshot(os.path.join(BUILD, "serve-page-phone.png"))
    finally:
        browser.set_window_size(1100, 900)
