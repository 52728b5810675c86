"""Harness of the console's browser tests: a throwaway `docket serve`, an API client
and a headless Chromium driven through Selenium.

The contract the tests rely on is the console spec (URLs, JSON, DOM hooks). The
service runs on an accelerated clock, so SLA limits of engine hours fall due in
real seconds: tests wait for conditions with a deadline, never for time to pass.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (JavascriptException, NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Engine time runs FACTOR times faster than real time from START: one engine hour is
# 10 real seconds, so a P0 `first_response` (1 h) breaches 10 s after the ticket's
# creation and its 50% warning falls due after 5 s. A whole run (about two minutes)
# is under a day of engine time. START is a Monday 09:00 in Shanghai: office hours.
FACTOR = 360
START = "2026-11-23T09:00:00+08:00"
START_DATE = "2026-11-23"

# The tokens of the service: name -> (token, actor, roles, deploy). Roles are those of
# rules/after_sales.docket. The reader's token is read_only.
TOKENS = {
    "reader": ("console-reader-token-0001", "wang", [], False),
    "intake": ("console-intake-token-0002", "zhang", ["intake_specialist"], False),
    "supervisor": ("console-supervisor-token-0003", "zhou", ["supervisor"], False),
    "engineer": ("console-engineer-token-0004", "liu", ["engineer"], False),
    "deploy": ("console-deploy-token-0005", "ops-admin", [], True),
}

WORKFLOW = "after_sales"


class Settings:
    """What run.py sets from its command line and the environment."""
    docket = None
    console_dir = os.environ.get("DOCKET_CONSOLE_DIR") or None
    artifacts = os.environ.get("DOCKET_CONSOLE_ARTIFACTS") or os.path.join(REPO, "build", "console-artifacts")
    keep_work = False


# ------------------------------------------------------------------------------ server

def _die_with_parent():
    """In the child: SIGTERM when the test process dies, whatever kills it."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM
    except Exception:
        pass


class Server:
    """A `docket serve` on loopback in a temporary folder, port 0 with a port file."""

    def __init__(self, docket, console_dir=None):
        self.docket = docket
        self.console_dir = console_dir
        self.work = tempfile.mkdtemp(prefix="docket-console-")
        self.process = None
        self.port = None
        self.log_path = os.path.join(self.work, "serve.log")

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def write_config(self):
        rules = os.path.join(self.work, "rules")
        os.makedirs(rules)
        # One workflow, the richest: reports and the overview then need no choice of workflow.
        shutil.copy(os.path.join(REPO, "rules", "after_sales.docket"), rules)
        lines = [
            "[server]",
            'listen = "127.0.0.1:0"',
            'port_file = "docket.port"',
            "threads = 16",
            "rate_limit = 0",
            "",
            "[store]",
            'path = "tickets.db"',
            'sync = "normal"',
            "",
            "[rules]",
            'directory = "rules"',
            "watch = false",
            "",
            "[log]",
            'level = "info"',
            "",
            "[clock]",
            'kind = "accelerated"',
            "factor = %d" % FACTOR,
            'start = "%s"' % START,
            "",
        ]
        for name, (token, actor, roles, deploy) in TOKENS.items():
            lines += [
                "[[tokens]]",
                'sha256 = "%s"' % hashlib.sha256(token.encode()).hexdigest(),
                'actor = "%s"' % actor,
                "roles = [%s]" % ", ".join('"%s"' % r for r in roles),
            ]
            if deploy:
                lines.append("deploy = true")
            if name == "reader":
                lines.append("read_only = true")  # reads only, whatever the rules let anyone send
            lines.append("")
        path = os.path.join(self.work, "docket.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        return path

    def start(self, deadline_seconds=30):
        config = self.write_config()
        command = [self.docket, "serve", "--config", config]
        if self.console_dir:
            command += ["--console-dir", self.console_dir]
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=self.work, preexec_fn=_die_with_parent)
        port_file = os.path.join(self.work, "docket.port")
        deadline = time.monotonic() + deadline_seconds
        while True:  # polling: the service writes the port file once it listens
            if self.process.poll() is not None:
                raise RuntimeError("docket serve exited with %s:\n%s" % (self.process.returncode, self.log_text()))
            if os.path.exists(port_file):
                text = open(port_file, encoding="utf-8").read().strip()
                if text.isdigit():
                    self.port = int(text)
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("docket serve wrote no port file within %d s:\n%s" % (deadline_seconds, self.log_text()))
            time.sleep(0.05)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
        if not Settings.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------------------------------ API client

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header_all(self, name):
        return self.headers.get_all(name) or []

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def request(base, method, path, body=None, headers=None, timeout=30):
    """One HTTP request with urllib; an error status is an answer, not an exception."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


class Api:
    """The API with a bearer token."""

    def __init__(self, base, token):
        self.base = base
        self.token = token

    def call(self, method, path, body=None, expect=None):
        r = request(self.base, method, path, body, {"Authorization": "Bearer " + self.token})
        if expect is not None and r.status not in (expect if isinstance(expect, tuple) else (expect,)):
            raise AssertionError("%s %s answered %d, expected %s: %s" % (method, path, r.status, expect, r.body[:500]))
        return r

    def get(self, path, expect=200):
        return self.call("GET", path, expect=expect).json

    def post(self, path, body, expect=None):
        return self.call("POST", path, body, expect=expect)

    def all_tickets(self, **query):
        """Every ticket that matches, page by page."""
        tickets, after = [], None
        while True:
            q = dict(query, limit=1000)
            if after:
                q["after"] = after
            page = self.get("/v1/tickets?" + urllib.parse.urlencode(q))
            tickets += page["tickets"]
            after = page.get("next")
            if not after:
                return tickets

    def transitions(self, ticket):
        return self.get("/v1/tickets/%s/transitions" % urllib.parse.quote(ticket, safe=""))["records"]

    def ticket(self, ticket):
        return self.get("/v1/tickets/%s" % urllib.parse.quote(ticket, safe=""))


def clocks_of(ticket):
    """The SLA clocks of a ticket: `clocks` in the console spec (`sla` in docs/api.md)."""
    if "clocks" in ticket:
        return ticket["clocks"]
    return ticket.get("sla") or []


def parse_rule(rule):
    """"rules/after_sales.docket:174:3" -> ("rules/after_sales.docket", 174)."""
    m = re.match(r"^(.*?):(\d+)(?::(\d+))?$", rule)
    assert m, "not a rule position: %r" % rule
    return m.group(1), int(m.group(2))


# ------------------------------------------------------------------------------ tickets

_serial = [0]


def new_id(prefix="T"):
    _serial[0] += 1
    return "%s-%d-%03d" % (prefix, os.getpid() % 10000, _serial[0])


def intake_data(**extra):
    data = {
        "customer": "C-1001",
        "contact": "138-0000-1001",
        "channel": "phone",
        "purchase_date": "2026-11-01T10:00:00+08:00",
        "problem": "the plug smokes",
        "expected_resolution": "2026-11-30T18:00:00+08:00",
        "mood": "calm",
        "order_amount": 1000,
    }
    data.update(extra)
    return data


# States of rules/after_sales.docket in the order the happy path reaches them.
PATH = ["registering", "classifying", "dispatched", "proposing"]
OWNER = {"fault": "engineer", "service_error": "supervisor"}


class Tickets:
    """Drives tickets through rules/after_sales.docket with the API."""

    def __init__(self, base):
        self.api = {name: Api(base, token) for name, (token, _, _, _) in TOKENS.items()}

    def make(self, state="registering", problem_type="fault", impact="minor", urgency="low", ticket_id=None, **data):
        """A ticket in `state` (one of PATH). impact x urgency gives the priority
        (core -> P0; minor, low -> P2); the problem type its category and department."""
        ticket_id = ticket_id or new_id()
        intake = self.api["intake"]
        intake.post("/v1/tickets", {"id": ticket_id, "workflow": WORKFLOW, "data": intake_data(**data)}, expect=201)
        target = PATH.index(state)
        if target >= 1:
            intake.post("/v1/tickets/%s/events" % ticket_id,
                        {"event": "registered", "data": {"problem_confirmed": True}}, expect=200)
        if target >= 2:
            intake.post("/v1/tickets/%s/events" % ticket_id,
                        {"event": "classified",
                         "data": {"problem_type": problem_type, "impact": impact, "urgency": urgency}}, expect=200)
        if target >= 3:
            self.api[OWNER[problem_type]].post("/v1/tickets/%s/events" % ticket_id, {"event": "accepted"}, expect=200)
        return ticket_id


# ------------------------------------------------------------------------------ browser

def make_driver(width=1280, height=720):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    user_data = tempfile.mkdtemp(prefix="docket-console-chrome-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=%d,%d" % (width, height), "--user-data-dir=" + user_data,
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--lang=zh-CN", "--password-store=basic"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service("/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    driver._docket_user_data = user_data
    set_viewport(driver, width, height)
    return driver


def set_viewport(driver, width, height, mobile=False):
    """A viewport of exactly WIDTHxHEIGHT CSS pixels (the window's own size leaves out
    what the browser's frame takes; a phone with mobile=True)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def quit_driver(driver):
    try:
        driver.quit()
    finally:
        shutil.rmtree(getattr(driver, "_docket_user_data", ""), ignore_errors=True)


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


class Suite:
    """The one server and browser of a run (started by setUpModule of the tests)."""
    server = None
    driver = None
    tickets = None
    browser_log = []

    @classmethod
    def start(cls):
        if not Settings.docket:
            raise RuntimeError("no docket binary: run tests/console/run.py --docket PATH")
        cls.server = Server(Settings.docket, Settings.console_dir)
        cls.server.start()
        cls.tickets = Tickets(cls.server.base)
        cls.driver = make_driver()

    @classmethod
    def stop(cls):
        try:
            if cls.driver:
                quit_driver(cls.driver)
        finally:
            cls.driver = None
            if cls.server:
                cls.server.stop()
            cls.server = None


class ConsoleTest(unittest.TestCase):
    """Base of the browser tests: helpers for the console's hooks, and artifacts of a
    failed test (a screenshot, the page source and the browser log) under
    $DOCKET_CONSOLE_ARTIFACTS/<test>/."""

    WAIT = 15

    @property
    def server(self):
        return Suite.server

    @property
    def driver(self):
        return Suite.driver

    @property
    def base(self):
        return Suite.server.base

    def api(self, name):
        return Suite.tickets.api[name]

    @property
    def tickets(self):
        return Suite.tickets

    # -- artifacts

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            self.save_failure_artifacts()
        return out

    def save_failure_artifacts(self):
        driver = Suite.driver
        if driver is None:
            return
        folder = os.path.join(Settings.artifacts, safe_name(self.id().split(".", 1)[-1]))
        os.makedirs(folder, exist_ok=True)
        try:
            driver.save_screenshot(os.path.join(folder, "screenshot.png"))
            with open(os.path.join(folder, "page.html"), "w", encoding="utf-8") as f:
                f.write(driver.page_source)
            with open(os.path.join(folder, "url.txt"), "w", encoding="utf-8") as f:
                f.write(driver.current_url + "\n")
            with open(os.path.join(folder, "browser.log"), "w", encoding="utf-8") as f:
                for entry in self.browser_log():
                    f.write("%s %s %s\n" % (entry.get("timestamp"), entry.get("level"), entry.get("message")))
            with open(os.path.join(folder, "serve.log"), "w", encoding="utf-8") as f:
                f.write(Suite.server.log_text())
        except WebDriverException as e:  # a dead browser: keep what we have
            sys.stderr.write("could not save artifacts of %s: %s\n" % (self.id(), e))

    def save_page(self, name, top=True):
        """A screenshot of the current page at 1280x720 for the docs (on success)."""
        folder = os.path.join(Settings.artifacts, "pages")
        os.makedirs(folder, exist_ok=True)
        self.assertEqual(self.js("return [window.innerWidth, window.innerHeight];"), [1280, 720],
                         "the screenshot of %s is not 1280x720" % name)
        if top:
            self.js("document.activeElement && document.activeElement.blur && document.activeElement.blur();"
                    "window.scrollTo(0, 0);")
        self.driver.save_screenshot(os.path.join(folder, name + ".png"))
        # The whole page too (docs/console.md shows these), at most 4,000 pixels tall.
        height = min(int(self.js("return document.documentElement.scrollHeight;")), 4000)
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}})
        with open(os.path.join(folder, name + "-full.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def browser_log(self):
        """The browser console log since the last call (kept for the whole run)."""
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            entries = []
        Suite.browser_log.extend(entries)
        return entries

    # -- waiting

    def wait(self, condition, timeout=None, message="", poll=0.1):
        return WebDriverWait(self.driver, timeout or self.WAIT, poll_frequency=poll,
                             # The page re-renders as it polls: an element read a moment ago may be gone.
                             ignored_exceptions=(JavascriptException, StaleElementReferenceException,
                                                 NoSuchElementException)).until(condition, message)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def q(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def q1(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def click(self, selector, timeout=None):
        """Clicks the element SELECTOR names once it is there, finding it again if the
        page re-rendered it in between (the pages poll and redraw)."""
        def clicked(driver):
            driver.find_element(By.CSS_SELECTOR, selector).click()
            return True
        return self.wait(clicked, timeout, "cannot click %s" % selector)

    def wait_for(self, selector, timeout=None, visible=False):
        def present(driver):
            found = driver.find_elements(By.CSS_SELECTOR, selector)
            if visible:
                found = [e for e in found if e.is_displayed()]
            return found[0] if found else False
        return self.wait(present, timeout, "no %s%s" % (selector, " visible" if visible else ""))

    def wait_ready(self, selector, timeout=None):
        """Waits until `selector` is on the page and the page it is part of (the element
        with data-page) says data-ready=true."""
        script = """
            const el = document.querySelector(arguments[0]);
            if (!el) return false;
            const root = el.closest('[data-page]') || el.querySelector('[data-page]');
            return !!root && root.getAttribute('data-ready') === 'true';
        """
        try:
            self.wait(lambda d: d.execute_script(script, selector), timeout)
        except TimeoutException:
            why = self.js("""
                const el = document.querySelector(arguments[0]);
                const root = (el && (el.closest('[data-page]') || el.querySelector('[data-page]')))
                             || document.querySelector('[data-page]');
                if (!root) return 'no element has data-page';
                const box = root.querySelector('[role=alert], .error-box');
                return 'page ' + root.getAttribute('data-page') + (el ? '' : ', no ' + arguments[0]) +
                       ', data-ready=' + root.getAttribute('data-ready') +
                       (root.getAttribute('data-error') ? ', data-error=' + root.getAttribute('data-error') : '') +
                       (box ? ': ' + box.textContent.trim().slice(0, 300) : '');""", selector)
            raise TimeoutException("%s did not become ready (%s)" % (selector, why)) from None
        return self.q1(selector)

    def text(self, selector):
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector)

    # -- navigation and session

    def open(self, route, ready=None, timeout=None):
        """Opens /#ROUTE in the page as it is (a hash change: no reload when the console is loaded)."""
        self.driver.get(self.base + "/#" + route)
        if ready:
            return self.wait_ready(ready, timeout)

    def fresh(self, route="/overview"):
        """Loads the console anew (a new document), with the cookies the browser has."""
        self.driver.get("about:blank")
        self.driver.get(self.base + "/#" + route)

    def sign_out_hard(self):
        """Leaves the console and forgets every cookie (WebDriver's delete_all_cookies
        only reaches the current document's site)."""
        self.driver.get("about:blank")
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    def sign_in(self, who, route="/overview", ready="#overview"):
        """Signs in through the form as one of TOKENS, then opens ROUTE."""
        token, actor, _, _ = TOKENS[who]
        self.sign_out_hard()
        self.driver.get(self.base + "/#" + route)
        field = self.wait_for("form#signin input#token", visible=True)
        field.clear()
        field.send_keys(token)
        self.q1("button#signin-submit").click()
        self.wait(lambda d: (self.text("#whoami") or "").strip() == actor, message="#whoami is not %s" % actor)
        if ready:
            self.wait_ready(ready)

    def session_cookie(self):
        for cookie in self.driver.get_cookies():
            if cookie["name"] == "docket_session":
                return cookie
        return None

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            self.fail("an alert was shown: %r" % text)
        except NoAlertPresentException:
            pass

    def no_horizontal_scroll(self, where):
        sizes = self.js("return [document.documentElement.scrollWidth, window.innerWidth];")
        self.assertLessEqual(sizes[0], sizes[1] + 1,
                             "%s: the document is %d px wide in a %d px viewport" % (where, sizes[0], sizes[1]))

    def set_viewport(self, width, height, mobile=False):
        set_viewport(self.driver, width, height, mobile)

    def reset_viewport(self):
        set_viewport(self.driver, 1280, 720)

    def fill(self, element, value):
        """Fills a form control the way its type asks (select: by option value)."""
        tag = element.tag_name.lower()
        kind = (element.get_attribute("type") or "").lower()
        closed = self.js("const d = arguments[0].closest('details'); return d && !d.open ? d.querySelector('summary') : null;",
                         element)
        if closed is not None:
            # a field in the collapsed "More fields" <details>: open it as a user would
            closed.click()
            self.wait(lambda d: self.js("return arguments[0].closest('details').open;", element), 5,
                      "the <details> around field %s does not open" % element.get_attribute("name"))
        if tag == "select":
            Select(element).select_by_value(str(value))
        elif kind == "checkbox":
            if element.is_selected() != bool(value):
                element.click()
        else:
            element.clear()
            element.send_keys(str(value))


__all__ = [name for name in dir() if not name.startswith("_")]
