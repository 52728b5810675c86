"""Browser tests of docket's web console (the console spec's pages and hooks).

Run through run.py (--docket PATH). setUpModule starts one throwaway
`docket serve` (accelerated clock) and one headless Chromium for all tests.
"""

import calendar
import http.cookies
import re
import time
import unittest
import urllib.parse
import uuid

from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.keys import Keys

from harness import (FACTOR, START_DATE, TOKENS, WORKFLOW, ConsoleTest, Suite, clocks_of, intake_data, new_id,
                     parse_rule, request)

CONSTRAINT_MESSAGE = "服务失误补偿不得超过该笔订单金额的 30%"

PROBE = """workflow zz_probe "Console probe" version "1.0"

field note "Note": text

initial state open "Open" {
  on close -> %s
}

final state done "Done" {}
"""

# Messages of the browser log that report a Content-Security-Policy violation.
CSP_VIOLATION = re.compile(r"Content Security Policy|Content-Security-Policy|Refused to (execute|load|apply|evaluate|connect|frame)",
                           re.I)


def setUpModule():
    Suite.start()


def tearDownModule():
    Suite.stop()


def engine_time(iso):
    """Seconds since the epoch of a UTC time written 2026-11-23T01:00:28Z (or with milliseconds)."""
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def quote(ticket):
    return urllib.parse.quote(ticket, safe="")


class ConsoleTests(ConsoleTest):

    # ---------------------------------------------------------------- 1. signing in

    def test_01_sign_in_session_and_sign_out(self):
        token, actor, roles, _ = TOKENS["intake"]
        self.sign_out_hard()
        self.driver.get(self.base + "/#/overview")
        field = self.wait_for("form#signin input#token", visible=True)
        self.assertEqual(field.get_attribute("type"), "password", "input#token must be type=password")

        # A wrong token: the form says so and nobody is signed in.
        field.send_keys("not-a-token-at-all")
        self.q1("button#signin-submit").click()
        error = self.wait_for("#signin-error", visible=True)
        self.wait(lambda d: error.text.strip() != "", message="#signin-error stays empty")
        self.assertFalse([e for e in self.q("#whoami") if e.is_displayed() and e.text.strip()],
                         "#whoami shown after a wrong token")

        # The right token: the actor, with the roles in the title.
        field = self.q1("form#signin input#token")
        field.clear()
        field.send_keys(token)
        self.q1("button#signin-submit").click()
        self.wait(lambda d: (self.text("#whoami") or "").strip() == actor, message="#whoami is not " + actor)
        self.assertIn(roles[0], self.q1("#whoami").get_attribute("title") or "", "#whoami's title lacks the roles")
        for name in ("overview", "tickets", "versions", "audit", "reports"):
            self.assertTrue(self.q('a[data-nav="%s"]' % name), "no nav link a[data-nav=%s]" % name)

        # The session survives a reload.
        self.driver.refresh()
        self.wait(lambda d: (self.text("#whoami") or "").strip() == actor, message="signed out by a reload")
        self.assertFalse([e for e in self.q("form#signin") if e.is_displayed()], "the sign-in form is back after a reload")

        # The token is nowhere the page's scripts or the address bar could leak it.
        self.assertNotIn(token, self.driver.current_url)
        cookie_text = self.js("return document.cookie;")
        self.assertNotIn(token, cookie_text)
        self.assertNotIn("docket_session", cookie_text, "the session cookie is readable from JavaScript (not HttpOnly)")
        stored = self.js("""
            const out = [];
            for (const s of [window.localStorage, window.sessionStorage])
              for (let i = 0; i < s.length; i++) { const k = s.key(i); out.push(k + '=' + s.getItem(k)); }
            return out.join('\\n');""")
        self.assertNotIn(token, stored, "the token is in localStorage or sessionStorage")
        cookie = self.session_cookie()
        self.assertIsNotNone(cookie, "no docket_session cookie")
        self.assertTrue(cookie.get("httpOnly"), "docket_session is not HttpOnly")
        self.assertEqual(cookie.get("sameSite"), "Strict")
        self.assertNotIn(token, cookie["value"], "the cookie carries the token itself")

        # Sign out: the form again, and the old session is dead on the server too.
        self.q1("button#signout").click()
        self.wait_for("form#signin input#token", visible=True)
        self.assertFalse([e for e in self.q("#whoami") if e.is_displayed() and e.text.strip()])
        self.driver.refresh()
        self.wait_for("form#signin input#token", visible=True)
        old = request(self.base, "GET", "/v1/session", headers={"Cookie": "docket_session=" + cookie["value"]})
        self.assertEqual(old.status, 401, "the session still works after sign-out: %r" % old)

    # ---------------------------------------------------------------- 2. overview counts

    def own_counts(self, tickets):
        states, departments = {}, {}
        open_, breached = 0, 0
        for t in tickets:
            states[t["state"]] = states.get(t["state"], 0) + 1
            if t.get("closed"):
                continue
            open_ += 1
            if any(c.get("breached") for c in clocks_of(t)):
                breached += 1
            # "routed or assigned to this department" (docs/api.md, GET /v1/tickets?department=)
            names = set(t.get("departments") or [])
            if t.get("assignee"):
                names.add(t["assignee"].split(".")[0])
            for d in names:
                departments[d] = departments.get(d, 0) + 1
        return {"states": states, "departments": departments, "open": open_, "breached": breached}

    def ui_overview(self):
        return self.js("""
            const num = (e) => { if (!e) return null; const m = e.textContent.match(/\\d+/); return m ? Number(m[0]) : null; };
            const rows = (sel, attr) => { const o = {};
              document.querySelectorAll(sel).forEach(tr => { o[tr.getAttribute(attr)] = num(tr.querySelector('td.count')); });
              return o; };
            return {states: rows('table#state-counts tr[data-state]', 'data-state'),
                    departments: rows('table#department-counts tr[data-department]', 'data-department'),
                    open: num(document.querySelector('#total-open')),
                    breached: num(document.querySelector('#total-breached')),
                    due: num(document.querySelector('#total-due'))};""")

    def test_02_overview_counts_match_the_api(self):
        make = self.tickets.make
        # one P0 ticket that breaches first_response 10 real seconds from now
        urgent = make("dispatched", problem_type="fault", impact="core", urgency="high")
        made = [urgent, make("registering"), make("registering"), make("classifying"),
                make("dispatched", problem_type="inquiry"), make("dispatched", problem_type="fault", impact="function",
                                                                 urgency="medium"),
                make("proposing", problem_type="fault"), make("proposing", problem_type="service_error"),
                make("proposing", problem_type="service_error")]
        self.assertEqual(len(made), 9)
        api = self.api("supervisor")
        self.sign_in("supervisor", "/overview", "#overview")
        self.wait_for("table#state-counts tr[data-state]")
        self.wait(lambda d: any(c["breached"] for c in clocks_of(api.ticket(urgent))), 30 + 3600 // FACTOR,
                  "the P0 ticket %s never breached" % urgent, poll=0.5)

        last = {}

        def consistent(_):
            overview = api.get("/v1/overview?workflow=" + WORKFLOW)
            tickets = api.all_tickets(workflow=WORKFLOW)
            # totals.due counts the tickets due within the window that have not breached
            # (breached ones count under totals.breached); ?due_within= lists both.
            due_total = len([t for t in api.all_tickets(workflow=WORKFLOW, due_within=overview.get("window", "2h"))
                             if not any(c.get("breached") for c in clocks_of(t))])
            dept_totals = {d["name"]: api.get("/v1/tickets?" + urllib.parse.urlencode(
                {"workflow": WORKFLOW, "department": d["name"], "limit": 1}))["total"]
                for d in overview["departments"]}
            own = self.own_counts(tickets)
            ui = self.ui_overview()
            api_states = {s["name"]: s["count"] for s in overview["states"]}
            api_departments = {d["name"]: d["count"] for d in overview["departments"]}
            totals = overview["totals"]
            problems = []
            for name in set(api_states) | set(own["states"]) | set(ui["states"]):
                a, o, u = api_states.get(name, 0), own["states"].get(name, 0), ui["states"].get(name, 0)
                if not a == o == u:
                    problems.append("state %s: overview %s, GET /v1/tickets %s, page %s" % (name, a, o, u))
                if a and name not in ui["states"]:
                    problems.append("state %s: no row tr[data-state=%s]" % (name, name))
            for name in set(api_departments) | set(own["departments"]) | set(ui["departments"]):
                a, o, u = api_departments.get(name, 0), own["departments"].get(name, 0), ui["departments"].get(name, 0)
                f = dept_totals.get(name, o)
                if not a == o == u == f:
                    problems.append("department %s: overview %s, counted %s, ?department= %s, page %s" % (name, a, o, f, u))
            if not totals["open"] == own["open"] == ui["open"]:
                problems.append("open: overview %s, counted %s, #total-open %s" % (totals["open"], own["open"], ui["open"]))
            if not totals["breached"] == own["breached"] == ui["breached"]:
                problems.append("breached: overview %s, counted %s, #total-breached %s"
                                % (totals["breached"], own["breached"], ui["breached"]))
            if not totals["due"] == due_total == ui["due"]:
                problems.append("due: overview %s, ?due_within= not breached %s, #total-due %s" % (totals["due"], due_total, ui["due"]))
            last["problems"] = problems
            return not problems

        # The page refreshes every 5 s and SLA thresholds fall due meanwhile: wait for one
        # moment where the page, the overview and the ticket list agree.
        try:
            self.wait(consistent, 20, poll=0.5)
        except TimeoutException:
            self.fail("the overview never matched the API:\n  " + "\n  ".join(last.get("problems", ["?"])))
        shown = self.ui_overview()
        self.assertGreaterEqual(shown["states"].get("proposing", 0), 3)
        self.assertGreaterEqual(shown["breached"], 1)
        self.assertTrue(self.q("#state-graph svg") or self.q("svg#state-graph"), "no state graph in #state-graph")
        self.save_page("overview")

    # ---------------------------------------------------------------- 3. act on a ticket

    def test_03_filter_open_send_event_and_follow_the_rule(self):
        marker = "Filter-" + uuid.uuid4().hex[:8]
        ticket = self.tickets.make("registering", customer=marker)
        self.tickets.make("registering", customer="Someone-else")
        self.sign_in("intake", "/tickets", "#tickets")

        # The list, narrowed by a filter and the search box.
        self.fill(self.q1('form#ticket-filters select[name="state"]'), "registering")
        search = self.q1('form#ticket-filters input[name="q"]')
        search.clear()
        search.send_keys(marker.lower())   # the search is case-insensitive
        row = 'table#ticket-table tbody tr[data-ticket="%s"]' % ticket
        self.wait(lambda d: len(self.q("table#ticket-table tbody tr[data-ticket]")) == 1 and self.q(row),
                  message="the filtered list is not exactly %s" % ticket)
        self.wait(lambda d: "q=" in d.current_url and "state=registering" in d.current_url,
                  message="the filters are not kept in the hash: " + self.driver.current_url)
        self.assertRegex(self.text("#ticket-total") or "", r"\b1\b")
        self.save_page("tickets")
        self.click(row + ' a[href="#/tickets/%s"]' % ticket)
        self.wait_ready('#ticket[data-ticket="%s"]' % ticket)
        self.wait_for('#ticket-state[data-state="registering"]')
        before = len(self.q("ol#timeline li[data-seq]"))
        self.assertGreater(before, 0, "empty timeline")

        # Send `registered` through the generated form.
        self.wait_for('#ticket-actions button[data-event="registered"]')
        self.click('#ticket-actions button[data-event="registered"]')
        form = self.wait_for('form#event-form[data-event="registered"]', visible=True)
        self.fill(form.find_element("css selector", '[name="problem_confirmed"]'), "true")
        self.click("button#event-submit")
        self.wait_for('#ticket-state[data-state="classifying"]')
        self.wait(lambda d: not [e for e in self.q("form#event-form") if e.is_displayed()], message="the form stays open")
        records = self.api("intake").transitions(ticket)
        record = [r for r in records if r["event"] == "registered" and r["kind"] == "transition"][-1]
        item = self.wait_for('ol#timeline li[data-seq="%d"]' % record["seq"])
        self.assertGreater(len(self.q("ol#timeline li[data-seq]")), before)
        self.assertIn("registered", item.text)
        self.save_page("ticket")

        # The record's rule link opens the rule's source at its line.
        rule_file, rule_line = parse_rule(record["rule"])
        link = item.find_element("css selector", "a.rule-link")
        self.assertTrue(link.text.strip().endswith(":%d" % rule_line), "rule link text %r" % link.text)
        self.assertIn("line=%d" % rule_line, link.get_attribute("href"))
        link.click()
        self.wait_ready('#source[data-version="%s"]' % record["version"])
        line = self.wait_for('ol#source-lines li.highlight[data-line="%d"]' % rule_line)
        self.assertIn("on registered", line.text)
        self.assertIn(rule_file.rsplit("/", 1)[-1], self.text("#source"), "#source does not name the file")
        self.assertEqual(len(self.q("ol#source-lines li.highlight")), 1)
        in_view = self.js("const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
                          line)
        self.assertTrue(in_view, "the highlighted line is not scrolled into view")
        self.save_page("source", top=False)

    # ---------------------------------------------------------------- 4. live timers

    def test_04_countdown_turns_into_a_breach_without_reload(self):
        self.sign_in("supervisor", "/overview", "#overview")
        # P0 (core impact): first_response is 1 h of engine time, 10 s of real time;
        # its 50% warning falls due after 5 s.
        ticket = self.tickets.make("dispatched", problem_type="fault", impact="core", urgency="high")
        api = self.api("supervisor")
        self.open("/tickets/" + ticket, '#ticket[data-ticket="%s"]' % ticket)
        countdown = '#ticket-clocks [data-metric="first_response"] .countdown'
        self.wait_for(countdown)
        self.js("window.__docketMarker = 'kept-%s';" % ticket)
        url = self.driver.current_url
        clock = [c for c in clocks_of(api.ticket(ticket)) if c["metric"] == "first_response"][0]
        if not clock["breached"]:
            self.assertNotIn("breached", self.q1(countdown).get_attribute("class").split(),
                             "the countdown is breached before the clock is")
        first_text = self.q1(countdown).text

        self.wait(lambda d: "breached" in self.q1(countdown).get_attribute("class").split()
                  and "breached" in self.q1(countdown).text.lower(),
                  30 + 3600 // FACTOR, "the first_response countdown never showed a breach")
        shown_at = engine_time(request(self.base, "GET", "/v1/health").json["now"])
        shown_text = self.q1(countdown).text
        self.assertNotEqual(first_text, shown_text)
        breach = None

        def breach_record(_):
            nonlocal breach
            found = [r for r in api.transitions(ticket)
                     if r["kind"] == "breach" and (r.get("sla") or {}).get("metric") == "first_response"]
            breach = found[0] if found else None
            return breach

        self.wait(breach_record, 15, "the engine journaled no breach of first_response")
        self.wait_for('ol#timeline li[data-seq="%d"]' % breach["seq"], 15)
        # Everything above happened in the one document: no reload, no navigation.
        self.assertEqual(self.js("return window.__docketMarker;"), "kept-" + ticket, "the page was reloaded")
        self.assertEqual(self.driver.current_url, url)
        # "breached" meant breached: the page did not say so at a warning threshold
        # (next_due is the next threshold: 50% and 80% warnings come before the limit).
        # One real second of slack for the page's clock offset and this test's polling.
        self.assertGreaterEqual(shown_at, engine_time(breach["at"]) - FACTOR,
                                "the countdown showed %r at engine time %s, but first_response breached at %s: "
                                "a passed warning threshold (next_due) was shown as a breach"
                                % (shown_text, time.strftime("%H:%M:%S", time.gmtime(shown_at)), breach["at"]))

    # ---------------------------------------------------------------- 5. refusals

    def test_05_refused_event_shows_code_message_and_rule(self):
        ticket = self.tickets.make("proposing", problem_type="service_error", order_amount=1000)
        self.sign_in("supervisor", "/tickets/" + ticket, '#ticket[data-ticket="%s"]' % ticket)
        self.wait_for('#ticket-state[data-state="proposing"]')
        self.wait_for('#ticket-actions button[data-event="proposed"]')
        self.click('#ticket-actions button[data-event="proposed"]')
        form = self.wait_for('form#event-form[data-event="proposed"]', visible=True)
        self.fill(form.find_element("css selector", '[name="remedy"]'), "compensation")
        self.fill(form.find_element("css selector", '[name="compensation"]'), "500")   # 50% > 30% of 1000
        self.click("button#event-submit")
        error = self.wait_for('#event-error[data-code="constraint"]', visible=True)
        self.assertIn(CONSTRAINT_MESSAGE, error.text)
        self.assertIn("constraint", error.text, "the code is not shown")
        rejection = [r for r in self.api("supervisor").transitions(ticket) if r["kind"] == "rejection"][-1]
        _, line = parse_rule(rejection["rule"])
        link = error.find_element("css selector", "a.rule-link")
        self.assertIn("line=%d" % line, link.get_attribute("href"))
        self.assertTrue(link.text.strip().endswith(":%d" % line), "rule link text %r" % link.text)
        self.assertTrue(self.q('#ticket-state[data-state="proposing"]'), "the state changed on a refusal")
        self.assertEqual(self.api("supervisor").ticket(ticket)["state"], "proposing")

    # ---------------------------------------------------------------- 6. hostile text

    def test_06_hostile_ticket_renders_inert(self):
        long_text = "售后W" * 9362 + "WW"   # 65,536 bytes of UTF-8: the largest text value (docs/limits.md)
        self.assertEqual(len(long_text.encode("utf-8")), 65536)
        hostile = {
            "customer": "<script>window.__pwned=1</script>",
            "contact": '"><img src=x onerror="window.__pwned=2">',
            "problem": "it's \"quoted\" `back` & \u202Eexe.txt\u202C <b>bold</b> \u2066\u2067 \u200F末",
            "suggestion": long_text,
        }
        ticket = new_id("H")
        r = self.api("intake").post("/v1/tickets", {"id": ticket, "workflow": WORKFLOW,
                                                    "data": dict(intake_data(), **hostile)})
        self.assertEqual(r.status, 201, r)
        self.sign_in("reader", "/overview", "#overview")
        self.browser_log()   # start the log here

        self.open("/tickets?q=" + quote(ticket), "#tickets")
        self.wait_for('table#ticket-table tbody tr[data-ticket="%s"]' % ticket)
        self.check_inert("the tickets list")

        self.open("/tickets/" + ticket, '#ticket[data-ticket="%s"]' % ticket)
        for field, value in hostile.items():
            cell = self.wait_for('table#ticket-fields tr[data-field="%s"] td.value' % field)
            shown = self.js("return arguments[0].textContent;", cell)
            if field == "suggestion":
                self.assertIn(value[:1000], shown, "the long value is not shown")
            else:
                self.assertIn(value, shown, "%s is not shown literally" % field)
            self.assertEqual(self.js("return arguments[0].querySelectorAll('script, img, b').length;", cell), 0,
                             "%s was parsed as HTML" % field)
        bidi = self.js("""const c = document.querySelector('table#ticket-fields tr[data-field="problem"] td.value');
                          const e = c.querySelector('[dir]') || c.closest('[dir]'); return e ? e.getAttribute('dir') : null;""")
        self.assertEqual(bidi, "auto", "user text (problem) is not in a dir=auto element")
        self.check_inert("the ticket page")
        # still usable: the timeline and the navigation work
        self.assertTrue(self.q("ol#timeline li[data-seq]"))
        self.q1('a[data-nav="tickets"]').click()
        self.wait_ready("#tickets")
        self.check_inert("the tickets list, back")

    def check_inert(self, where):
        self.no_alert()
        self.assertIsNone(self.js("return window.__pwned === undefined ? null : String(window.__pwned);"),
                          "%s ran a script from ticket data" % where)
        self.no_horizontal_scroll(where)
        violations = [e["message"] for e in self.browser_log() if CSP_VIOLATION.search(e.get("message", ""))]
        self.assertEqual(violations, [], "%s: CSP violations in the browser log" % where)

    # ---------------------------------------------------------------- 7. permissions

    def test_07_reader_sees_no_actions_and_deploy_sees_the_deploy_form(self):
        ticket = self.tickets.make("registering")
        # The hooks exist: the intake specialist may act on this ticket.
        self.sign_in("intake", "/tickets/" + ticket, '#ticket[data-ticket="%s"]' % ticket)
        self.wait_for('#ticket-actions button[data-event="registered"]')
        self.open("/versions", "#versions")
        self.assertEqual(len(self.q("form#deploy-form")), 0, "an intake specialist sees the deploy form")

        self.sign_in("reader", "/tickets/" + ticket, '#ticket[data-ticket="%s"]' % ticket)
        self.wait_for('#ticket-state[data-state="registering"]')
        self.assertEqual(len(self.q("#ticket-actions button[data-event]")), 0, "a reader sees action buttons")
        self.assertEqual(self.api("reader").get("/v1/tickets/%s/actions" % ticket)["events"], [])
        self.open("/versions", "#versions")
        self.wait_for("table#version-table tr[data-version]")
        self.assertEqual(len(self.q("form#deploy-form")), 0, "a reader sees the deploy form")

        self.sign_in("deploy", "/versions", "#versions")
        self.wait_for("form#deploy-form", visible=True)
        for hook in ("input#deploy-name", "textarea#deploy-text", "button#deploy-submit"):
            self.assertTrue(self.q("form#deploy-form " + hook), "no %s in the deploy form" % hook)

    # ---------------------------------------------------------------- 8. deploy

    def version_rows(self):
        return set(self.js("return [...document.querySelectorAll('table#version-table tr[data-version]')]"
                           ".map(tr => tr.getAttribute('data-version'));"))

    def deploy(self, name, text):
        field = self.q1("form#deploy-form input#deploy-name")
        field.clear()
        field.send_keys(name)
        area = self.q1("form#deploy-form textarea#deploy-text")
        area.clear()
        area.send_keys(text)
        self.q1("button#deploy-submit").click()

    def test_08_deploy_broken_then_fixed_rules(self):
        api = self.api("deploy")
        self.sign_in("deploy", "/versions", "#versions")
        self.wait_for("table#version-table tr[data-version]")
        rows = self.version_rows()
        ids = {v["id"] for v in api.get("/v1/versions")["versions"]}
        self.assertEqual(rows, ids, "the versions table is not GET /v1/versions")

        self.deploy("zz_probe.docket", PROBE % "shutt")
        self.wait(lambda d: [li for li in self.q("ul#deploy-diagnostics li")
                             if re.search(r"\.docket:\d+:\d+: error", li.text)],
                  message="no diagnostic `file:line:col: error` in ul#deploy-diagnostics")
        texts = [li.text for li in self.q("ul#deploy-diagnostics li")]
        self.assertTrue(any("zz_probe.docket:6:15: error" in t for t in texts), texts)
        self.assertEqual({v["id"] for v in api.get("/v1/versions")["versions"]}, ids, "a broken file was installed")
        self.assertEqual(self.version_rows(), rows, "the versions table changed after a refused deployment")

        self.deploy("zz_probe.docket", PROBE % "done")
        self.wait(lambda d: len({v["id"] for v in api.get("/v1/versions")["versions"]} - ids) == 1,
                  message="the fixed file was not installed")
        new = ({v["id"] for v in api.get("/v1/versions")["versions"]} - ids).pop()
        row = self.wait_for('table#version-table tr[data-version="%s"]' % new)
        self.assertIn("zz_probe", row.text)
        self.assertTrue((self.text("#deploy-result") or "").strip(), "#deploy-result is empty")
        self.assertEqual(self.version_rows(), rows | {new})
        self.save_page("versions")

    # ---------------------------------------------------------------- 9. HTTP security

    def test_09_headers_cookie_and_csrf(self):
        page = request(self.base, "GET", "/")
        self.assertEqual(page.status, 200)
        csp = page.headers.get("Content-Security-Policy") or ""
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        self.assertIn("script-src", directives, "no CSP script-src on /: %r" % csp)
        self.assertEqual(directives["script-src"], "script-src 'self'")
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(page.headers.get("X-Content-Type-Options"), "nosniff")
        self.assertIn("frame-ancestors 'none'", csp)
        script = request(self.base, "GET", "/console/app.js")
        self.assertEqual(script.status, 200)
        self.assertIn("javascript", script.headers.get("Content-Type", ""))
        self.assertIn("script-src 'self'", script.headers.get("Content-Security-Policy") or "")

        token, actor, _, _ = TOKENS["intake"]
        self.assertEqual(request(self.base, "POST", "/v1/session", {"token": "wrong"}).status, 401)
        signin = request(self.base, "POST", "/v1/session", {"token": token})
        self.assertEqual(signin.status, 200, signin)
        session = signin.json
        self.assertEqual(session["actor"], actor)
        self.assertRegex(session["csrf"], r"^[0-9a-f]{16,}$")
        set_cookies = [c for c in signin.header_all("Set-Cookie") if c.startswith("docket_session=")]
        self.assertEqual(len(set_cookies), 1, signin.header_all("Set-Cookie"))
        attributes = [a.strip().lower() for a in set_cookies[0].split(";")[1:]]
        self.assertIn("httponly", attributes)
        self.assertIn("samesite=strict", attributes)
        self.assertIn("path=/", attributes)
        self.assertNotIn(token, set_cookies[0])
        cookie = "docket_session=" + http.cookies.SimpleCookie(set_cookies[0])["docket_session"].value
        self.assertEqual(request(self.base, "GET", "/v1/session", headers={"Cookie": cookie}).json["actor"], actor)

        def create(ticket, headers):
            body = {"id": ticket, "workflow": WORKFLOW, "data": intake_data()}
            return request(self.base, "POST", "/v1/tickets", body, dict(headers, Cookie=cookie))

        for name, headers in (("no", {}), ("a wrong", {"X-CSRF-Token": "0" * len(session["csrf"])})):
            ticket = new_id("C")
            r = create(ticket, headers)
            self.assertEqual(r.status, 403, "%s X-CSRF-Token: %r" % (name, r))
            self.assertEqual(r.json["error"]["code"], "csrf")
            self.assertEqual(self.api("intake").call("GET", "/v1/tickets/" + ticket).status, 404,
                             "the refused request created the ticket")
        ticket = new_id("C")
        r = create(ticket, {"X-CSRF-Token": session["csrf"]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.api("intake").ticket(ticket)["requester"], actor)
        # sign-out also needs the token, then the cookie is dead
        self.assertEqual(request(self.base, "DELETE", "/v1/session", headers={"Cookie": cookie}).status, 403)
        self.assertEqual(request(self.base, "DELETE", "/v1/session",
                                 headers={"Cookie": cookie, "X-CSRF-Token": session["csrf"]}).status, 204)
        self.assertEqual(request(self.base, "GET", "/v1/session", headers={"Cookie": cookie}).status, 401)

    # ---------------------------------------------------------------- 10. layout and keyboard

    def test_10_layout_phone_desktop_and_keyboard(self):
        ticket = self.tickets.make("dispatched", problem_type="rights_claim",
                                   problem="一段很长的中文问题描述，" * 40)
        self.sign_in("supervisor", "/overview", "#overview")
        pages = (("/overview", "#overview"), ("/tickets", "#tickets"),
                 ("/tickets/" + ticket, '#ticket[data-ticket="%s"]' % ticket))
        try:
            for width, height, mobile in ((390, 844, True), (1280, 720, False)):
                self.set_viewport(width, height, mobile)
                for route, ready in pages:
                    self.fresh(route)
                    self.wait_ready(ready)
                    self.assertEqual(self.js("return window.innerWidth;"), width)
                    self.no_horizontal_scroll("%s at %dx%d" % (route, width, height))
        finally:
            self.reset_viewport()

        # Keyboard: Tab from the top of the tickets page reaches the nav and the first
        # ticket; Enter opens it.
        self.fresh("/tickets")
        self.wait_ready("#tickets")
        first = self.wait_for("table#ticket-table tbody tr[data-ticket]").get_attribute("data-ticket")
        navs = {e.get_attribute("data-nav") for e in self.q("a[data-nav]") if e.is_displayed()}
        self.js("if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);")
        reached, found = set(), False
        for _ in range(80):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            active = self.js("const a = document.activeElement; return a ? [a.tagName, a.getAttribute('data-nav'),"
                             " a.getAttribute('href')] : null;")
            if not active:
                continue
            if active[1]:
                reached.add(active[1])
            if active[0] == "A" and active[2] == "#/tickets/" + first:
                found = True
                break
        self.assertEqual(reached, navs, "Tab did not reach every nav link before the first ticket")
        self.assertTrue(found, "Tab never reached the link of the first ticket %s" % first)
        ActionChains(self.driver).send_keys(Keys.ENTER).perform()
        self.wait_ready('#ticket[data-ticket="%s"]' % first)

    # ---------------------------------------------------------------- 11. audit

    def test_11_audit_verify_and_export(self):
        self.tickets.make("classifying")
        self.sign_in("deploy", "/audit", "#audit")
        self.assertRegex(self.text("#audit-last-seq") or "", r"\d+")
        self.q1("button#audit-verify").click()
        self.wait_for('#audit-result[data-ok="true"]', 60)
        self.assertFalse(self.q('#audit-result[data-ok="false"]'))
        self.assertNotRegex(self.text("#audit-result"), r"\b(null|undefined|NaN)\b|\[object Object\]",
                            "#audit-result shows a raw JavaScript value")
        self.save_page("audit")
        href = self.q1("a#audit-export").get_attribute("href")
        self.assertTrue(href.startswith(self.base + "/"), "the export link leaves the service: %r" % href)
        cookie = self.session_cookie()
        r = request(self.base, "GET", href[len(self.base):], headers={"Cookie": "docket_session=" + cookie["value"]},
                    timeout=60)
        self.assertEqual(r.status, 200, r)
        self.assertGreater(len(r.body), 0)
        self.assertIn("attachment", r.headers.get("Content-Disposition") or "")

    # ---------------------------------------------------------------- 12. reports

    def test_12_report_shows_the_figures_of_docket_report(self):
        self.tickets.make("proposing", problem_type="fault")
        self.tickets.make("dispatched", problem_type="fault")
        self.sign_in("supervisor", "/reports", "#reports")
        for selector, value in (("input#report-from", "2026-11-22"), ("input#report-to", "2026-11-30")):
            self.js("""const e = document.querySelector(arguments[0]);
                       const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
                       set.call(e, arguments[1]);
                       e.dispatchEvent(new Event('input', {bubbles: true}));
                       e.dispatchEvent(new Event('change', {bubbles: true}));""", selector, value)
        self.assertLessEqual("2026-11-22", START_DATE)
        # The figure the page shows is the one GET /v1/report (docket report) gives; the page
        # sends the day after its inclusive "to".
        report = self.api("supervisor").get("/v1/report?from=2026-11-22&to=2026-12-01")
        created = report["tickets"]["created"]
        self.assertGreaterEqual(created, 2, report["tickets"])
        self.js("const c = document.querySelector('#report-created'); if (c) c.__docketOld = true;")
        self.q1("button#report-run").click()
        shown = self.wait(lambda d: self.js("""
            const c = document.querySelector('#report-created');
            if (!c || c.__docketOld) return false;
            const root = c.closest('[data-page]');
            if (root && root.getAttribute('data-ready') !== 'true') return false;
            return c.querySelector('.total-value').textContent;"""),
            30, "no #report-created after running the report")
        self.assertEqual(int(re.sub(r"\D", "", shown)), created, "the page shows %r, the report %r" % (shown, created))
        bars = self.js("return document.querySelectorAll('#report-charts svg').length")
        self.assertGreaterEqual(bars, 1, "no chart drawn")
        self.save_page("reports")

if __name__ == "__main__":
    unittest.main()
