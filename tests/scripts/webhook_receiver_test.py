#!/usr/bin/env python3
"""tools/webhook_receiver.py, the reference receiver docs/webhooks.md quotes, run as a
user runs it: on a free port, sent signed (and badly signed) deliveries over HTTP.

  python3 tests/scripts/webhook_receiver_test.py [-v]

Python 3 standard library only.
"""

import hashlib
import hmac
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECEIVER = os.path.join(SOURCE_DIR, "tools", "webhook_receiver.py")
DOCS = os.path.join(SOURCE_DIR, "docs", "webhooks.md")
SECRET = b"0f5c1e9a7d3b44c2a6e8b1d0c9f7a3e5"

# The worked example of docs/webhooks.md ("Verifying the signature").
EXAMPLE_SECRET = b"whsec-demo-0123456789abcdef"
EXAMPLE_T = "1795398001"
EXAMPLE_BODY = (
    r'{"delivery_id":"8.2.messaging","target":"messaging","seq":8,'
    r'"record_hash":"5ebfa6a6852cc0a9f1eba56deb8040295d65eae74fb8a3ccf1a6cf7bf87e4b32",'
    r'"at":"2026-11-23T01:40:00Z","ticket":"T-1001","workflow":"after_sales",'
    r'"version":"e82ca7b93912ac2f17a40d352bc504b2833050ad84946a0b48438b796c1fa8da",'
    r'"record":"transition","event":"accepted","actor":"liu","from":"dispatched","to":"proposing",'
    r'"action":{"kind":"notify","recipient":"customer","template":"case_accepted","detail":null,'
    r'"text":"notify customer \"case_accepted\"","rule":"rules/after_sales.docket:190:29"},'
    r'"fields":{"customer":"C-1001 王女士","contact":"138-0000-1001"}}').encode()
EXAMPLE_V1 = "f2a80d62a06961e0bec45d86efef10454bb8e6c5ef78e4811eb51a8b54661a72"

# No proxy: the receiver is on this machine, whatever http_proxy says.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def load_receiver_module():
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    spec = importlib.util.spec_from_file_location("webhook_receiver", RECEIVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def payload(delivery="8.2.messaging", ticket="T-1001", seq=8):
    return {"delivery_id": delivery, "target": "messaging", "seq": seq, "record_hash": "5e" * 32,
            "at": "2026-11-23T01:40:00Z", "ticket": ticket, "workflow": "after_sales", "version": "e8" * 32,
            "record": "transition", "event": "accepted", "actor": "liu", "from": "dispatched", "to": "proposing",
            "action": {"kind": "notify", "recipient": "customer", "template": "case_accepted", "detail": None,
                       "text": 'notify customer "case_accepted"', "rule": "rules/after_sales.docket:190:29"},
            "fields": {"customer": "C-1001 王女士"}}


def sign(secret, t, body):
    return "t=%s,v1=%s" % (t, hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest())


class Receiver:
    """tools/webhook_receiver.py in a subprocess on a free port."""

    def __init__(self, work, *options, log="deliveries.jsonl"):
        self.work = work
        self.log = os.path.join(work, log)
        secret_file = os.path.join(work, "messaging.key")
        with open(secret_file, "wb") as f:
            f.write(b"  " + SECRET + b"\n")  # surrounding white space is not part of the secret
        port_file = os.path.join(work, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.proc = subprocess.Popen(
            [sys.executable, RECEIVER, "--port", "0", "--port-file", port_file, "--secret-file", secret_file,
             "--log", self.log, *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out, err = self.stop()
                raise AssertionError("the receiver did not start:\n" + out + err)
            time.sleep(0.02)
        with open(port_file) as f:
            self.url = "http://127.0.0.1:%d/docket" % int(f.read())

    def post(self, body, secret=SECRET, t=None, signature=None, attempt=1, delivery="8.2.messaging"):
        """Sends one delivery; returns (status, headers, text)."""
        if isinstance(body, dict):
            body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        t = str(int(time.time())) if t is None else str(t)
        headers = {"Content-Type": "application/json", "Docket-Delivery": delivery, "Docket-Attempt": str(attempt),
                   "Docket-Signature": sign(secret, t, body) if signature is None else signature}
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with OPENER.open(request, timeout=10) as answer:
                return answer.status, answer.headers, answer.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def stats(self):
        with OPENER.open(self.url.replace("/docket", "/stats"), timeout=10) as answer:
            return json.loads(answer.read())

    def logged(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def stop(self):
        """Stops the receiver; returns its standard output and error."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.communicate()


class WebhookReceiverTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="webhook_receiver_test.")
        self.receivers = []

    def tearDown(self):
        for receiver in self.receivers:
            receiver.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def start(self, *options):
        receiver = Receiver(self.work, *options)
        self.receivers.append(receiver)
        return receiver

    def test_a_signed_delivery_is_answered_200_logged_and_printed(self):
        receiver = self.start()
        status, _, _ = receiver.post(payload(), attempt=3)
        self.assertEqual(status, 200)
        self.assertEqual(receiver.logged(), [payload()])
        out, err = receiver.stop()
        self.assertEqual(out, 'received 8.2.messaging  notify customer "case_accepted"  ticket T-1001 '
                              '(seq 8, attempt 3)\n', err)

    def test_a_wrong_secret_is_answered_401(self):
        receiver = self.start()
        status, _, text = receiver.post(payload(), secret=b"not-the-secret-of-this-webhook")
        self.assertEqual((status, text), (401, "signature does not match\n"))
        self.assertEqual(receiver.logged(), [])
        self.assertEqual(receiver.stats()["refused"], 1)

    def test_a_changed_body_is_answered_401(self):
        receiver = self.start()
        body = json.dumps(payload()).encode()
        signature = sign(SECRET, str(int(time.time())), body)
        status, _, text = receiver.post(body.replace(b"T-1001", b"T-1002"), signature=signature)
        self.assertEqual((status, text), (401, "signature does not match\n"))

    def test_a_stale_or_future_timestamp_is_answered_401(self):
        receiver = self.start("--max-skew", "300")
        now = int(time.time())
        for t in (now - 1000, now + 1000):
            status, _, text = receiver.post(payload(), t=t)
            self.assertEqual(status, 401)
            self.assertIn("s from this clock's time (at most 300)", text)
        self.assertEqual(receiver.logged(), [])
        status, _, _ = receiver.post(payload(), t=now - 60)  # within the skew
        self.assertEqual(status, 200)

    def test_a_missing_or_malformed_signature_is_answered_401(self):
        receiver = self.start()
        for signature in ("", "v1=00", "t=1764900000", "t=abc,v1=00", "sha256=deadbeef"):
            status, _, text = receiver.post(payload(), signature=signature)
            self.assertEqual((status, text), (401, "malformed Docket-Signature header\n"), signature)
        self.assertEqual(receiver.logged(), [])

    def test_a_body_that_is_not_json_is_answered_400(self):
        receiver = self.start()
        status, _, text = receiver.post(b"delivery_id=8.2.messaging")
        self.assertEqual((status, text), (400, "the body is not JSON\n"))
        status, _, text = receiver.post(b'["8.2.messaging"]')
        self.assertEqual((status, text), (400, "the body has no delivery_id\n"))
        self.assertEqual(receiver.logged(), [])

    def test_a_duplicate_delivery_is_answered_200_and_logged_once(self):
        receiver = self.start()
        self.assertEqual(receiver.post(payload(), attempt=1)[0], 200)
        self.assertEqual(receiver.post(payload(), attempt=2)[0], 200)
        self.assertEqual(receiver.post(payload("9.1.messaging", seq=9), delivery="9.1.messaging")[0], 200)
        self.assertEqual([p["delivery_id"] for p in receiver.logged()], ["8.2.messaging", "9.1.messaging"])
        self.assertEqual(receiver.stats(), {"received": 2, "duplicates": 1, "refused": 0, "failed_on_purpose": 0})
        out, err = receiver.stop()
        self.assertEqual([line.split()[1] for line in out.splitlines()], ["8.2.messaging", "9.1.messaging"])
        self.assertIn("duplicate 8.2.messaging (attempt 2): received before, discarded", err)

    def test_a_restarted_receiver_still_knows_the_deliveries_of_its_log(self):
        first = self.start()
        self.assertEqual(first.post(payload())[0], 200)
        first.stop()
        second = self.start()
        self.assertEqual(second.post(payload(), attempt=2)[0], 200)
        self.assertEqual(len(second.logged()), 1)
        self.assertEqual(second.stats()["duplicates"], 1)

    def test_fail_first_answers_503_with_retry_after_then_200(self):
        receiver = self.start("--fail-first", "2")
        for attempt in (1, 2):
            status, headers, _ = receiver.post(payload(), attempt=attempt)
            self.assertEqual(status, 503)
            self.assertEqual(headers["Retry-After"], "1")
            self.assertEqual(receiver.logged(), [])
        status, headers, _ = receiver.post(payload(), attempt=3)
        self.assertEqual(status, 200)
        self.assertIsNone(headers["Retry-After"])
        self.assertEqual(receiver.logged(), [payload()])
        out, _ = receiver.stop()
        self.assertIn("(seq 8, attempt 3)", out)

    def test_the_worked_example_and_the_quoted_function_match_the_docs(self):
        module = load_receiver_module()
        self.assertIsNone(module.verify_signature(EXAMPLE_SECRET, "t=%s,v1=%s" % (EXAMPLE_T, EXAMPLE_V1),
                                                  EXAMPLE_BODY, int(EXAMPLE_T)))
        with open(DOCS, encoding="utf-8") as f:
            docs = f.read()
        for text in (EXAMPLE_SECRET.decode(), EXAMPLE_T, EXAMPLE_BODY.decode(), EXAMPLE_V1):
            self.assertIn(text, docs)
        with open(RECEIVER, encoding="utf-8") as f:
            source = f.read()
        function = source[source.index("def verify_signature"):]
        function = function[:function.index("\n\n")] + "\n"
        self.assertIn(function, docs, "docs/webhooks.md must quote verify_signature as the receiver has it")

    @unittest.skipUnless(shutil.which("openssl"), "no openssl")
    def test_the_openssl_line_of_the_docs_gives_the_same_signature(self):
        command = 'printf \'%s.%s\' "$t" "$body" | openssl dgst -sha256 -hmac "$secret"'
        with open(DOCS, encoding="utf-8") as f:
            self.assertIn(command, f.read())
        env = dict(os.environ, t=EXAMPLE_T, body=EXAMPLE_BODY.decode(), secret=EXAMPLE_SECRET.decode())
        out = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.split()[-1], EXAMPLE_V1)


if __name__ == "__main__":
    unittest.main()
