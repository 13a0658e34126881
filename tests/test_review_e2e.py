"""End to end, as a person uses it: the real server, headless Chromium, keys pressed, the store checked, a restart.

Needs Debian's ``chromium`` and ``chromium-driver`` (``/usr/bin/chromium``, ``/usr/bin/chromedriver``); skipped
with the reason when either is missing. Selenium is pointed at both, so nothing is downloaded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.training.corpus import read_corpus_file

from .conftest import REPO
from .review_helpers import read_store, write_labelled

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``dualuse review`` in a subprocess, stopped with Ctrl-C (SIGINT) as a person stops it."""

    def __init__(self, labelled: Path, model: Path, store: Path, cwd: Path):
        self.port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        cmd = [sys.executable, "-m", "pipeline.cli", "review", str(labelled), "--model", str(model),
               "--store", str(store), "--port", str(self.port)]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"review exited {self.proc.returncode}: {self.proc.stdout.read()}")
            try:
                with urllib.request.urlopen(self.url + "api/state", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("review server did not start in 90 s")

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out


@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--window-size=1100,900",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):  # fmt: skip
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def _body(driver, name):
    return driver.find_element("tag name", "body").get_attribute(f"data-{name}")


def _card(driver) -> dict:
    text = {k: driver.find_element("id", k).text for k in ("text", "label", "marker")}
    return {"id": _body(driver, "card-id"), **text}


def test_keyboard_review_writes_store_and_resumes(browser, tiny_model_dir, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    labelled = write_labelled(tmp_path / "in", tiny_model_dir)
    store = tmp_path / "corrections.csv"
    server = Server(labelled, tiny_model_dir, store, tmp_path)
    try:
        browser.get(server.url)
        _wait(browser, lambda d: _body(d, "card-id"))
        # (keys, expected label given the card, expected marker given the card)
        plan = [
            (["2"], lambda c: "counter_drone", lambda c: c["marker"] == "yes"),
            ([Keys.ENTER], lambda c: c["label"], lambda c: c["marker"] == "yes"),
            (["m", "6"], lambda c: "other", lambda c: c["marker"] != "yes"),
            (["4"], lambda c: "navigation", lambda c: c["marker"] == "yes"),
            ([Keys.ENTER], lambda c: c["label"], lambda c: c["marker"] == "yes"),
        ]
        expected = []
        for n, (keys, label, marker) in enumerate(plan, start=1):
            card = _card(browser)
            expected.append((card["text"], label(card), str(int(marker(card)))))
            for k in keys:
                ActionChains(browser).send_keys(k).perform()
            _wait(browser, lambda d, n=n: _body(d, "decided") == str(n))
        sixth = _card(browser)
        assert "decided 5" in browser.find_element("id", "counts").text
        assert browser.find_element("id", "message").text == ""
    finally:
        out = server.stop()
    assert server.proc.returncode == 0, out
    rows = read_store(store)
    assert [(r["text"], r["label"], r["marker"]) for r in rows] == expected
    assert len({r["origin"] for r in rows}) == 5 and all(r["decided_at"] and r["split"] == "train" for r in rows)
    assert len(read_corpus_file(store)) == 5  # well-formed corpus rows

    again = Server(labelled, tiny_model_dir, store, tmp_path)
    try:
        browser.get(again.url)
        _wait(browser, lambda d: _body(d, "card-id"))
        assert _card(browser)["id"] == sixth["id"] and _card(browser)["text"] == sixth["text"]
        assert "decided 5" in browser.find_element("id", "counts").text
    finally:
        again.stop()
    assert len(read_store(store)) == 5
