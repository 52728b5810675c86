#!/usr/bin/env python3
"""A reference receiver of docket's webhooks (docs/webhooks.md).

It does what every receiver must do before it acts on a delivery, and nothing
more, with the Python 3 standard library alone:

  webhook_receiver.py --port PORT [--host 127.0.0.1] --secret-file FILE [--port-file FILE]
                      [--log deliveries.jsonl] [--fail-first N] [--max-skew 300]

For each POST it
- checks `Docket-Signature`: the HMAC-SHA256, keyed with the shared secret, of
  "<t>.<body>", and that t is within --max-skew seconds of this machine's
  clock; otherwise it answers 401 with the reason;
- answers 400 to a body that is not a JSON object with a `delivery_id`;
- with --fail-first N, answers the first N signed deliveries 503 with
  `Retry-After: 1`, to show docket retrying;
- answers 200 to a delivery whose `delivery_id` it has received before, and
  only counts it: docket delivers at least once, so the same delivery may come
  again;
- otherwise appends the payload to --log as one JSON line, on disk before the
  answer, prints one line to standard output and answers 200.

With --port 0 it listens on a free port and writes the port to --port-file.
The delivery ids already in --log count as received, also after a restart.
`GET /stats` answers the counts as JSON. SIGTERM or Ctrl-C stops it; the counts
go to standard error.
"""

import argparse
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


# The check a receiver needs, as docs/webhooks.md quotes it.
def verify_signature(secret, header, body, now, max_skew=300):
    """Returns None when `header` (the Docket-Signature value) signs `body` (the raw
    request bytes) with `secret` at a time within `max_skew` seconds of `now` (Unix
    seconds); otherwise the reason it does not."""
    fields = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    t, v1 = fields.get("t", ""), fields.get("v1", "")
    if not (t.isascii() and t.isdigit() and v1):
        return "malformed Docket-Signature header"
    expected = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), v1.encode()):
        return "signature does not match"
    if abs(now - int(t)) > max_skew:
        return "signed at %s, %d s from this clock's time (at most %d)" % (t, abs(now - int(t)), max_skew)
    return None


def read_secret(path):
    """The secret's bytes: the file's text without surrounding white space, 16 bytes at least."""
    with open(path, "rb") as f:
        secret = f.read().strip()
    if len(secret) < 16:
        raise ValueError("%s: the secret has %d bytes; it needs at least 16" % (path, len(secret)))
    return secret


def printable(text):
    """`text` with control characters escaped, so that a payload cannot forge an output line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class Receiver:
    """What the handler threads share: the settings, the ids seen, the counts and the log."""

    def __init__(self, secret, log_path, fail_first, max_skew):
        self.secret, self.fail_first, self.max_skew = secret, fail_first, max_skew
        self.lock = threading.Lock()
        self.seen = set()
        self.counts = {"received": 0, "duplicates": 0, "refused": 0, "failed_on_purpose": 0}
        self.log = None
        if log_path:
            if os.path.exists(log_path):
                with open(log_path, encoding="utf-8") as f:
                    for line in f:
                        try:
                            self.seen.add(json.loads(line)["delivery_id"])
                        except (ValueError, KeyError, TypeError):
                            pass  # a line cut short by a crash: its delivery comes again
            self.log = open(log_path, "a", encoding="utf-8")

    def accept(self, payload, attempt):
        """Takes a signed delivery; returns the HTTP status and text to answer."""
        delivery = payload["delivery_id"]
        with self.lock:
            if self.counts["failed_on_purpose"] < self.fail_first:
                self.counts["failed_on_purpose"] += 1
                return 503, "failing on purpose (--fail-first)"
            if delivery in self.seen:
                self.counts["duplicates"] += 1
                print("duplicate %s (attempt %s): received before, discarded" % (printable(delivery),
                      printable(attempt)), file=sys.stderr, flush=True)
                return 200, "duplicate"
            if self.log:  # kept before the answer: a 200 means the delivery is on disk
                self.log.write(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n")
                self.log.flush()
                os.fsync(self.log.fileno())
            self.seen.add(delivery)
            self.counts["received"] += 1
            action = payload.get("action") if isinstance(payload.get("action"), dict) else {}
            print("received %s  %s  ticket %s (seq %s, attempt %s)" % (
                printable(delivery), printable(action.get("text", action.get("kind", "?"))),
                printable(payload.get("ticket")), printable(payload.get("seq")), printable(attempt)), flush=True)
            return 200, "ok"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: docket may send several deliveries on one connection
    server_version = "docket-webhook-receiver"

    def do_POST(self):
        receiver = self.server.receiver
        length = self.headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit()):
            return self.answer(411, "Content-Length required", close=True)
        if int(length) > MAX_BODY:
            return self.answer(413, "body over %d bytes" % MAX_BODY, close=True)
        body = self.rfile.read(int(length))
        reason = verify_signature(receiver.secret, self.headers.get("Docket-Signature", ""), body,
                                  int(time.time()), receiver.max_skew)
        if reason:
            with receiver.lock:
                receiver.counts["refused"] += 1
            print("refused %s: %s" % (printable(self.headers.get("Docket-Delivery", "-")), reason),
                  file=sys.stderr, flush=True)
            return self.answer(401, reason)
        try:
            payload = json.loads(body)
        except ValueError:
            return self.answer(400, "the body is not JSON")
        # Only the body is signed: the delivery id is taken from it, not from the Docket-Delivery header.
        if not isinstance(payload, dict) or not isinstance(payload.get("delivery_id"), str):
            return self.answer(400, "the body has no delivery_id")
        try:
            status, text = receiver.accept(payload, self.headers.get("Docket-Attempt", "?"))
        except OSError as e:  # the log could not be written: not received, docket will try again
            print("cannot write the log: %s" % e, file=sys.stderr, flush=True)
            return self.answer(500, "cannot keep the delivery")
        self.answer(status, text, [("Retry-After", "1")] if status == 503 else [])

    def do_GET(self):
        if self.path != "/stats":
            return self.answer(404, "not found")
        with self.server.receiver.lock:
            text = json.dumps(self.server.receiver.counts)
        self.answer(200, text, content_type="application/json")

    def answer(self, status, text, headers=(), close=False, content_type="text/plain; charset=utf-8"):
        data = (text + "\n").encode()
        if close:
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_request(self, code="-", size="-"):
        pass  # one line per delivery is printed above; errors still go to standard error


def main():
    parser = argparse.ArgumentParser(description="A reference receiver of docket's webhooks.")
    parser.add_argument("--port", type=int, required=True, help="port to listen on; 0: a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--secret-file", required=True, help="the webhook's secret_file")
    parser.add_argument("--port-file", help="write the port listened on here")
    parser.add_argument("--log", help="append each new delivery's payload here, one JSON line each")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer the first N signed deliveries 503 with Retry-After: 1")
    parser.add_argument("--max-skew", type=int, default=300, metavar="SECONDS",
                        help="refuse a signature whose time is further than this from this clock (default 300)")
    args = parser.parse_args()
    if args.port == 0 and not args.port_file:
        parser.error("--port 0 needs --port-file")
    try:
        receiver = Receiver(read_secret(args.secret_file), args.log, args.fail_first, args.max_skew)
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except (OSError, ValueError) as e:
        print("webhook_receiver: %s" % e, file=sys.stderr)
        return 1
    server.daemon_threads = True
    server.receiver = receiver
    port = server.server_address[1]
    if args.port_file:  # written whole, then renamed: a reader never sees half of it
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    print("listening on http://%s:%d" % (args.host, port), file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopped: %s" % json.dumps(receiver.counts), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(errors="backslashreplace")
    sys.exit(main())
