#!/usr/bin/env python3
"""An independent verifier of docket audit bundles.

Written from the specification in docs/audit-log.md ("Specification for
independent verifiers"), sharing no code with docket, so that an auditor need
not trust docket to check docket's journal. It needs Python 3 and, for the
Ed25519 signatures, the `cryptography` package (Debian: python3-cryptography).

  docket_verify.py verify BUNDLE [--key PUB]... [--checkpoint FILE]... [--witness PUB]... [--witness-quorum N]
  docket_verify.py version-id RULE_FILE

`verify` checks a bundle written by `docket audit export` (JSON lines or CSV):
every line and record in canonical form, the hash chain, the checkpoint
signatures, that the signed checkpoints agree with the chain, that the journal
reaches them, (with --key) that a trusted checkpoint covers it, and (with
--witness) that the named witnesses' cosignatures verify, agree with the
chain, and that a checkpoint enough of them countersigned covers it. It does
not replay the rules: whether each record is one the rules allow is what
`docket audit verify` adds. The last line of its output is

  verdict=ok seq=-          verdict=altered seq=12          verdict=error seq=-

Exit status: 0 verified, 1 a finding or a bundle that cannot be read, 2 usage.

`version-id` prints the version id of a rule file and the files it extends.
"""

import argparse
import hashlib
import json
import os
import re
import sys
from datetime import datetime

GENESIS = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
UINT = re.compile(r"(0|[1-9][0-9]*)\Z")
FIXED = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]{0,3}[1-9])?\Z")
DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
POSITION = re.compile(r".+:(0|[1-9][0-9]*)(:[1-9][0-9]*)?\Z", re.S)
DURATION = re.compile(r"(-?)(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?\Z")
WITNESS_FILE = re.compile(r"[0-9a-f]{16}\.jsonl\Z")
MAX_COSIGNATURES = 100000
MAX_WITNESS_FILES = 64
CSV_HEADER = "seq,at,ticket,kind,cause,from,to,event,actor,rule,rejected,reason,prev_hash,hash,body"

KINDS = {"transition", "timer", "approval", "approval_timeout", "warning", "escalation", "breach", "rejection",
         "migration"}
CAUSES = {"create", "event", "automatic", "timer", "approval", "sla", "migration"}
EFFECTS = {"set", "assign", "route", "notify", "escalate", "raise_priority", "emit", "classify", "clock",
           "approval_chain", "approval_vote", "approval_level"}
TYPES = {"unset", "text", "number", "bool", "enum", "category", "priority", "state", "duration", "timestamp"}
CODES = {"unknown_ticket", "ticket_exists", "out_of_order", "no_ticket_id", "unknown_workflow", "event_limit",
         "unknown_event", "no_transition", "guard", "role", "approval_only", "not_awaiting_approval",
         "actor_required", "four_eyes", "not_approver", "already_voted", "roles_covered", "participant", "assignee",
         "invalid_data", "missing_field", "constraint", "action_failed", "step_limit", "clock_from_future",
         "extension"}
CLOCK_VALUES = ("started", "paused", "resumed", "stopped")
CLOCK_PREFIXES = ("started from ", "extended by ", "stopped: met, ", "stopped: breached, ", "unchanged: ")


class Problem(Exception):
    """A record, line or file not in the form the specification gives."""


# ---------------------------------------------------------------- canonical JSON

class Num(str):
    """A JSON number, kept as the text it was written in."""


class Obj(list):
    """A JSON object: its (key, value) members in the order written."""


def is_text(value):
    return isinstance(value, str) and not isinstance(value, Num)


def is_obj(value):
    return isinstance(value, Obj)


def is_array(value):
    return isinstance(value, list) and not isinstance(value, Obj)


def parse_json(text):
    """Parses JSON keeping key order, repeated keys and numbers' text."""
    def refuse(name):
        raise Problem("not JSON: " + name)
    try:
        return json.loads(text, object_pairs_hook=Obj, parse_int=Num, parse_float=Num, parse_constant=refuse)
    except ValueError as error:
        raise Problem("not JSON: %s" % error)


def quote(text):
    """A JSON string as docket writes it: only " \\ and controls escaped."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out) + '"'


def encode(value):
    """The canonical text of a parsed value: no white space, members as given."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, str):
        return quote(value)
    if is_obj(value):
        return "{" + ",".join(quote(k) + ":" + encode(v) for k, v in value) + "}"
    return "[" + ",".join(encode(v) for v in value) + "]"


def canonical(raw, check):
    """Parses `raw` (bytes), runs `check` on it, and insists on its exact bytes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem("not UTF-8")
    value = parse_json(text)
    check(value)
    try:
        again = encode(value).encode("utf-8")
    except UnicodeEncodeError:
        raise Problem("a string holds a lone surrogate")
    if again != raw:
        raise Problem("not in canonical form (white space, escapes or number forms)")
    return value


# ---------------------------------------------------------------- the record's schema

def obj(value, where, keys, optional=()):
    """The members of an object whose keys are `keys` in order, with the `optional`
    ones (key -> the key it follows) where they may stand."""
    if not is_obj(value):
        raise Problem(where + ": expected an object")
    names = [k for k, _ in value]
    expected = []
    for key in keys:
        expected.append(key)
        for extra, after in optional:
            if after == key and extra in names:
                expected.append(extra)
    if names != expected:
        raise Problem("%s: keys %s, expected %s" % (where, ",".join(names), ",".join(expected)))
    return dict(value)


def text_or_null(value, where):
    if value is None:
        return
    if not is_text(value):
        raise Problem(where + ": expected a string or null")
    if value == "":
        raise Problem(where + ": empty text is written null")


def string(value, where, allow_empty=True):
    if not is_text(value) or (value == "" and not allow_empty):
        raise Problem(where + ": expected a string")


def number(value, where, form):
    if not isinstance(value, Num) or not form.match(value):
        raise Problem(where + ": not a number in canonical form: %s" % value)


def time(value, where):
    if not is_text(value) or not TIME.match(value):
        raise Problem(where + ": expected a UTC time such as 2026-11-23T09:00:00Z")
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise Problem(where + ": not a date and time: " + value)


UNITS = [("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]


def duration_text(seconds, largest):
    """docket's form of a duration: units w d h m s, largest first, none zero."""
    if seconds == 0:
        return "0s"
    text, rest = "-" if seconds < 0 else "", abs(seconds)
    for unit, size in UNITS:
        if size <= largest and rest >= size:
            text += "%d%s" % (rest // size, unit)
            rest %= size
    return text


def duration(value, where, largest):
    match = DURATION.match(value) if is_text(value) and value not in ("", "-") else None
    seconds = sum(int(n) * s for n, (_, s) in zip(match.groups()[1:], UNITS) if n) if match else None
    if seconds is None or duration_text(-seconds if match.group(1) else seconds, largest) != value:
        raise Problem(where + ": not a duration in canonical form: %s" % value)


def shortest(value, where):
    """A binary64 number as its shortest decimal: no exponent, no ".0"."""
    number(value, where, DECIMAL)
    if value == "-0" or ("." in value and (float(value).is_integer() or repr(abs(float(value))) != value.lstrip("-"))):
        raise Problem(where + ": not the shortest form of its number: %s" % value)


def position(value, where):
    if value is not None and (not is_text(value) or not POSITION.match(value)):
        raise Problem(where + ": expected path:line:column or null")


def typed(value, where, kind):
    if value is None:
        return
    if kind == "unset":
        raise Problem(where + ": type unset has only null")
    if kind == "text":
        string(value, where)
    elif kind == "number":
        number(value, where, FIXED)
        if value == "-0":
            raise Problem(where + ": -0 is written 0")
    elif kind == "bool":
        if value is not True and value is not False:
            raise Problem(where + ": expected true or false")
    elif kind == "duration":
        duration(value, where, 604800)
    elif kind == "timestamp":
        time(value, where)
    else:
        string(value, where, allow_empty=False)


def check_record(value):
    r = obj(value, "record", ["seq", "at", "ticket", "workflow", "version", "kind", "from", "to", "cause", "event",
                              "actor", "rule", "changes", "actions", "sla", "rejected", "reason", "idempotency_key"],
            [("data", "actor"), ("rebased", "sla"), ("reason_code", "reason")])
    number(r["seq"], "seq", UINT)
    time(r["at"], "at")
    for key in ("ticket", "workflow", "version", "from", "to", "event", "reason"):
        text_or_null(r[key], key)
    if r["kind"] not in KINDS:
        raise Problem("kind: unknown %s" % r["kind"])
    if r["cause"] not in CAUSES:
        raise Problem("cause: unknown %s" % r["cause"])
    if r["actor"] is not None:
        actor = obj(r["actor"], "actor", ["id", "roles"])
        text_or_null(actor["id"], "actor.id")
        if not is_array(actor["roles"]):
            raise Problem("actor.roles: expected an array")
        for role in actor["roles"]:
            string(role, "actor.roles")
        if actor["id"] is None and not actor["roles"]:
            raise Problem("actor: no id and no roles is written null")
    if "data" in r:
        check_data(r["data"])
    position(r["rule"], "rule")
    for name in ("changes", "actions"):
        if not is_array(r[name]):
            raise Problem(name + ": expected an array")
    for i, item in enumerate(r["changes"]):
        where = "changes[%d]" % i
        change = obj(item, where, ["field", "type", "before", "after"])
        text_or_null(change["field"], where + ".field")
        if change["type"] not in TYPES:
            raise Problem(where + ".type: unknown %s" % change["type"])
        if change["before"] is None and change["after"] is None and change["type"] != "unset":
            raise Problem(where + ".type: a change from null to null is of type unset")
        typed(change["before"], where + ".before", change["type"])
        typed(change["after"], where + ".after", change["type"])
    for i, item in enumerate(r["actions"]):
        where = "actions[%d]" % i
        action = obj(item, where, ["kind", "action", "target", "value", "rule", "detail"])
        if action["kind"] not in EFFECTS:
            raise Problem(where + ".kind: unknown %s" % action["kind"])
        for key in ("action", "target", "value", "detail"):
            text_or_null(action[key], where + "." + key)
        position(action["rule"], where + ".rule")
        if action["kind"] == "clock" and not (action["value"] in CLOCK_VALUES or
                                             (action["value"] or "").startswith(CLOCK_PREFIXES)):
            raise Problem(where + ".value: not a clock change")
    if r["sla"] is not None:
        sla = obj(r["sla"], "sla", ["metric", "priority", "percent", "limit", "calendar", "due"],
                  [("limit_seconds", "limit")])
        text_or_null(sla["metric"], "sla.metric")
        text_or_null(sla["priority"], "sla.priority")
        shortest(sla["percent"], "sla.percent")
        if "limit_seconds" in sla:
            number(sla["limit_seconds"], "sla.limit_seconds", UINT)
            string(sla["limit"], "sla.limit", allow_empty=False)
            if sla["limit"] == duration_text(int(sla["limit_seconds"]), 3600):
                raise Problem("sla.limit_seconds: only a limit not written in hours has it")
        else:
            duration(sla["limit"], "sla.limit", 3600)
        text_or_null(sla["calendar"], "sla.calendar")
        time(sla["due"], "sla.due")
    if "rebased" in r:
        check_rebased(r)
    if r["rejected"] is not True and r["rejected"] is not False:
        raise Problem("rejected: expected true or false")
    if "reason_code" in r and (r["rejected"] is not True or r["reason_code"] not in CODES):
        raise Problem("reason_code: only a rejection has one, and only a known code")
    if r["idempotency_key"] is not None:
        string(r["idempotency_key"], "idempotency_key")


def check_data(value):
    """What the event sent: null, or its fields and values as sent, in order."""
    if value is None:
        return
    if not is_array(value):
        raise Problem("data: expected an array or null")
    for i, item in enumerate(value):
        where = "data[%d]" % i
        sent = obj(item, where, ["field", "value"])
        string(sent["field"], where + ".field")
        v = sent["value"]
        if isinstance(v, Num):
            number(v, where + ".value", FIXED)
            if v == "-0":
                raise Problem(where + ".value: -0 is written 0")
        elif not (v is None or v is True or v is False or is_text(v)):
            raise Problem(where + ".value: expected a string, a number, true, false or null")


def check_rebased(r):
    if r["kind"] != "migration" or not is_array(r["rebased"]) or not r["rebased"]:
        raise Problem("rebased: a non-empty array, only on a migration")
    for i, item in enumerate(r["rebased"]):
        where = "rebased[%d]" % i
        names = [k for k, _ in item] if is_obj(item) else []
        if names[:1] == ["clock"]:
            m = obj(item, where, ["clock", "calendar", "notices", "due_before", "due_after", "percent_before",
                                  "percent_after", "ran", "running_since", "extended_workdays", "extended_seconds"])
            string(m["clock"], where + ".clock", allow_empty=False)
            shortest(m["percent_before"], where + ".percent_before")
            shortest(m["percent_after"], where + ".percent_after")
            if not is_array(m["ran"]):
                raise Problem(where + ".ran: expected an array")
            for span in m["ran"]:
                if not is_array(span) or len(span) != 2:
                    raise Problem(where + ".ran: expected [from, to]")
                time(span[0], where + ".ran")
                time(span[1], where + ".ran")
                if span[1] < span[0]:
                    raise Problem(where + ".ran: a stretch ends before it begins")
            time(m["running_since"], where + ".running_since")
            number(m["extended_workdays"], where + ".extended_workdays", UINT)
            number(m["extended_seconds"], where + ".extended_seconds", UINT)
        else:
            m = obj(item, where, ["timer", "calendar", "notices", "due_before", "due_after"])
            if m["timer"] is None:
                raise Problem(where + ".timer: expected path:line:column")
            position(m["timer"], where + ".timer")
        text_or_null(m["calendar"], where + ".calendar")
        if not is_array(m["notices"]):
            raise Problem(where + ".notices: expected an array")
        for notice in m["notices"]:
            string(notice, where + ".notices", allow_empty=False)
        for key in ("due_before", "due_after"):
            if m[key] is not None:
                time(m[key], where + "." + key)


def check_checkpoint(value):
    c = obj(value, "checkpoint", ["seq", "hash", "at", "key_id", "signature"])
    number(c["seq"], "seq", UINT)
    time(c["at"], "at")
    for key, length in (("hash", 64), ("key_id", 16), ("signature", 128)):
        if not is_text(c[key]) or not re.fullmatch("[0-9a-f]{%d}" % length, c[key]):
            raise Problem("%s: expected %d lowercase hex digits" % (key, length))


def check_cosignature(value):
    c = obj(value, "cosignature", ["seq", "hash", "key_id", "witness_id", "signature"])
    number(c["seq"], "seq", UINT)
    if c["seq"] == "0":
        raise Problem("seq: a cosignature's seq starts at 1")
    for key, length in (("hash", 64), ("key_id", 16), ("witness_id", 16), ("signature", 128)):
        if not is_text(c[key]) or not re.fullmatch("[0-9a-f]{%d}" % length, c[key]):
            raise Problem("%s: expected %d lowercase hex digits" % (key, length))


def check_version(value):
    v = obj(value, "version", ["id", "workflow", "declared", "source_root", "added_at", "sources"])
    for key in ("id", "workflow", "declared", "source_root", "added_at"):
        string(v[key], key)
    if not HEX64.match(v["id"]):
        raise Problem("id: expected 64 lowercase hex digits")
    time(v["added_at"], "added_at")
    if not is_array(v["sources"]) or not v["sources"]:
        raise Problem("sources: expected a non-empty array")
    for source in v["sources"]:
        s = obj(source, "sources[]", ["path", "text"])
        string(s["path"], "path", allow_empty=False)
        string(s["text"], "text")


# ---------------------------------------------------------------- version ids

def version_id(files):
    """SHA-256 over every (path, text), each as <bytes>:<path><bytes>:<text>."""
    digest = hashlib.sha256()
    for path, text in files:
        for part in (path.encode("utf-8"), text):
            digest.update(b"%d:" % len(part) + part)
    return digest.hexdigest()


def rule_files(main):
    """The main file and the files it extends, in order: (path relative to the
    main file's folder, '/'-separated and normalised; the file's bytes)."""
    root = os.path.dirname(os.path.abspath(main))
    files, path, seen = [], os.path.abspath(main), set()
    while path not in seen:
        seen.add(path)
        with open(path, "rb") as handle:
            text = handle.read()
        files.append((os.path.relpath(path, root).replace(os.sep, "/"), text))
        match = re.search(rb'^[ \t]*extends[ \t]+"([^"\n]*)"', text, re.M)
        if not match:
            return files
        path = os.path.normpath(os.path.join(os.path.dirname(path), match.group(1).decode("utf-8")))
    raise SystemExit("docket_verify: %s: `extends` goes round in a circle" % main)


# ---------------------------------------------------------------- reading a bundle

def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def lines_of(raw, name):
    """The lines of a JSON-lines file; each must end with a newline."""
    if raw and not raw.endswith(b"\n"):
        raise Problem(name + ": the last line does not end with a newline")
    return raw.split(b"\n")[:-1] if raw else []


def load_key(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    raw = read(path)
    if b"PRIVATE KEY" in raw:
        raise Problem(path + ": a private key: an auditor verifies with the public key")
    try:
        key = serialization.load_pem_public_key(raw)
    except ValueError as error:
        raise Problem("%s: not a PEM public key: %s" % (path, error))
    if not isinstance(key, Ed25519PublicKey):
        raise Problem(path + ": not an Ed25519 public key")
    raw_key = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw_key).hexdigest()[:16], key


def load_checkpoints(path):
    found = []
    for number, line in enumerate(lines_of(read(path), path), 1):
        try:
            c = dict(canonical(line, check_checkpoint))
        except Problem as problem:
            raise Problem("%s:%d: %s" % (path, number, problem))
        found.append((int(c["seq"]), c["hash"], c["key_id"], c["signature"]))
    return found


def load_witnesses(bundle):
    """Every cosignature in the bundle's witnesses/ as (seq, hash, key id,
    witness id, signature); the folder holds only <witness id>.jsonl files."""
    folder = os.path.join(bundle, "witnesses")
    if not os.path.exists(folder):
        return []
    if not os.path.isdir(folder):
        raise Problem(folder + ": not a directory")
    names = sorted(os.listdir(folder))
    if len(names) > MAX_WITNESS_FILES:
        raise Problem(folder + ": more than %d witness files" % MAX_WITNESS_FILES)
    found = []
    for name in names:
        path = os.path.join(folder, name)
        if not WITNESS_FILE.match(name) or os.path.islink(path) or not os.path.isfile(path):
            raise Problem(path + ": not a witness file (witnesses/<witness id>.jsonl)")
        if os.path.getsize(path) > MAX_COSIGNATURES * 400:
            raise Problem(path + ": larger than a witness file can be")
        previous = 0
        for number, line in enumerate(lines_of(read(path), path), 1):
            if number > MAX_COSIGNATURES:
                raise Problem("%s:%d: more than %d cosignatures" % (path, number, MAX_COSIGNATURES))
            try:
                c = dict(canonical(line, check_cosignature))
            except Problem as problem:
                raise Problem("%s:%d: %s" % (path, number, problem))
            if c["witness_id"] != name[:16]:
                raise Problem("%s:%d: a cosignature of another witness" % (path, number))
            if int(c["seq"]) <= previous:
                raise Problem("%s:%d: seqs must increase" % (path, number))
            previous = int(c["seq"])
            found.append((previous, c["hash"], c["key_id"], c["witness_id"], c["signature"]))
    return found


def seq_claimed(body):
    match = re.match(rb'\{"seq":([0-9]+)', body)
    return int(match.group(1)) if match else None


def jsonl_rows(raw):
    """(body, prev_hash, hash, problem) per line of journal.jsonl."""
    if raw and not raw.endswith(b"\n"):
        raw += b"\n"
        last_unterminated = True
    else:
        last_unterminated = False
    lines = raw.split(b"\n")[:-1]
    for number, line in enumerate(lines, 1):
        match = re.fullmatch(rb'(\{.*),"prev_hash":"([0-9a-f]{64})","hash":"([0-9a-f]{64})"\}', line, re.S)
        problem = None if match else "the line is not a record with its hash suffix"
        if last_unterminated and number == len(lines):
            problem = problem or "the last line does not end with a newline"
        if match:
            yield match.group(1) + b"}", match.group(2).decode(), match.group(3).decode(), problem
        else:
            yield line, "", "", problem


def csv_records(raw):
    """Splits RFC 4180 text ending lines with \\n; yields (fields, problem)."""
    i, n = 0, len(raw)
    while i < n:
        fields, problem = [], None
        while True:
            if raw[i:i + 1] == b'"':
                j, value = i + 1, bytearray()
                while j < n and not (raw[j:j + 1] == b'"' and raw[j + 1:j + 2] != b'"'):
                    value += raw[j:j + 1]
                    j += 2 if raw[j:j + 1] == b'"' else 1
                if j >= n:
                    yield fields + [bytes(value)], "a quoted field does not end"
                    return
                value = bytes(value)
                if not re.search(rb'[,"\r\n]', value):
                    problem = problem or "a field is quoted that needs no quotes"
                i = j + 1
            else:
                j = i
                while j < n and raw[j:j + 1] not in (b",", b"\n"):
                    j += 1
                value = raw[i:j]
                if re.search(rb'["\r]', value):
                    problem = problem or "a field holds a quote or CR without being quoted"
                i = j
            fields.append(value)
            if raw[i:i + 1] == b",":
                i += 1
                continue
            if raw[i:i + 1] == b"\n":
                i += 1
            elif i < n:
                problem = problem or "text after a quoted field"
                while i < n and raw[i:i + 1] != b"\n":
                    i += 1
                i += 1
            else:
                problem = problem or "the last line does not end with a newline"
            break
        yield fields, problem


def csv_view(body):
    """The CSV columns before prev_hash, as the record's body gives them."""
    r = dict(parse_json(body.decode("utf-8")))
    actor = dict(r["actor"]) if is_obj(r.get("actor")) else {}
    shown = actor.get("id") or ""
    if actor.get("roles"):
        shown += " [" + ", ".join(actor["roles"]) + "]"
    plain = [str(int(r["seq"])), r["at"], r["ticket"], r["kind"], r["cause"], r["from"], r["to"], r["event"],
             shown, r["rule"], "true" if r["rejected"] is True else "false", r["reason"]]
    return [(v or "").encode("utf-8") for v in plain]


def csv_rows(raw):
    # RFC 4180 ends lines with CRLF, as a spreadsheet writes the file back.
    raw = raw.replace(b"\r\n", b"\n")
    header = CSV_HEADER.encode() + b"\n"
    if not raw.startswith(header):
        raise Problem("journal.csv: the first line is not the journal CSV header")
    names = CSV_HEADER.split(",")
    for fields, problem in csv_records(raw[len(header):]):
        if len(fields) != 15:
            yield b"", "", "", problem or "not a journal CSV row of 15 columns"
            continue
        body = fields[14]
        try:
            view = csv_view(body)
            for name, want, have in zip(names, view, fields):
                if want != have:
                    problem = problem or "the CSV column `%s` disagrees with the record's body" % name
                    break
        except Exception:
            pass  # the record itself is checked later
        yield body, fields[12].decode("utf-8", "replace"), fields[13].decode("utf-8", "replace"), problem


# ---------------------------------------------------------------- verification

def verify(bundle, key_files, held_files, witness_files=(), quorum=0):
    """Returns (findings, notes); findings are (seq, problem, detail) in the
    order found. Raises Problem when the bundle cannot be read. `quorum` 0
    with witnesses named: all of them."""
    from cryptography.exceptions import InvalidSignature
    findings, notes = [], []
    if os.path.exists(os.path.join(bundle, "journal.jsonl")):
        rows = jsonl_rows(read(os.path.join(bundle, "journal.jsonl")))
    elif os.path.exists(os.path.join(bundle, "journal.csv")):
        rows = csv_rows(read(os.path.join(bundle, "journal.csv")))
    else:
        raise Problem(bundle + ": no journal.jsonl or journal.csv")
    for number, line in enumerate(lines_of(read(os.path.join(bundle, "versions.jsonl")), "versions.jsonl"), 1):
        try:
            v = dict(canonical(line, check_version))
        except Problem as problem:
            raise Problem("versions.jsonl:%d: %s" % (number, problem))
        files = [(dict(s)["path"], dict(s)["text"].encode("utf-8")) for s in v["sources"]]
        if version_id(files) != v["id"]:
            raise Problem("versions.jsonl:%d: the sources of version %s were altered (they hash to %s)"
                          % (number, v["id"][:12], version_id(files)[:12]))
    if key_files:
        keys = dict(load_key(path) for path in key_files)
    else:
        folder = os.path.join(bundle, "keys")
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        keys = dict(load_key(os.path.join(folder, name)) for name in names if name.endswith(".pub"))
        notes.append("trusting the bundle's own keys: pass --key for one you trust")
    own = os.path.join(bundle, "checkpoints.jsonl")
    checkpoints = [c + (False,) for c in load_checkpoints(own)] if os.path.exists(own) else []
    for path in held_files:
        checkpoints += [c + (True,) for c in load_checkpoints(path)]
    cosignatures = load_witnesses(bundle)
    witnesses = dict(load_key(path) for path in witness_files)
    if quorum and not witnesses:
        raise Problem("--witness-quorum: name the witnesses with --witness")
    quorum = quorum or len(witnesses)
    if quorum > len(witnesses):
        raise Problem("--witness-quorum %d: only %d distinct witness keys named" % (quorum, len(witnesses)))

    good = {}  # seq -> (hash, key id, held) of checkpoints whose signature verified
    for seq, hash_, key_id, signature, held in checkpoints:
        message = b"docket-checkpoint-v1\n%d\n%s\n" % (seq, hash_.encode())
        if key_id not in keys:
            findings.append((seq, "signature", "checkpoint at seq %d: signed by unknown key id %s" % (seq, key_id)))
            continue
        try:
            keys[key_id].verify(bytes.fromhex(signature), message)
        except InvalidSignature:
            findings.append((seq, "signature", "checkpoint at seq %d: bad signature" % seq))
            continue
        good.setdefault(seq, []).append((hash_, key_id, held, None))
    # A named witness's good cosignature is a held checkpoint of its own;
    # those of witnesses not named are not looked at.
    for seq, hash_, key_id, witness, signature in cosignatures:
        if witness not in witnesses:
            continue
        message = b"docket-witness-v1\n%d\n%s\n%s\n" % (seq, hash_.encode(), key_id.encode())
        try:
            witnesses[witness].verify(bytes.fromhex(signature), message)
        except InvalidSignature:
            findings.append((seq, "signature", "cosignature of witness %s at seq %d: bad signature" % (witness, seq)))
            continue
        good.setdefault(seq, []).append((hash_, key_id, True, witness))

    expected, prev, last_good, last_seq, previous = 1, GENESIS, 0, 0, 0
    last_held = 0  # the last seq a held checkpoint (or a witness) agreed at
    witnessed = 0  # the last seq `quorum` witnesses countersigned, agreeing
    gap, seen_after_gap, stopped = None, set(), False
    for body, prev_hash, hash_, problem in rows:
        seq = seq_claimed(body)
        seq = seq if seq is not None else previous + 1
        previous = seq
        if gap or stopped:
            seen_after_gap.add(seq)
            continue
        if seq != expected:
            if seq < expected:
                findings.append((seq, "reordered", "seq %d comes after seq %d" % (seq, expected - 1)))
                stopped = True
            else:
                gap = (expected, seq - 1)
                seen_after_gap.add(seq)
            continue
        if problem:
            findings.append((seq, "altered", problem))
            stopped = True
            continue
        if prev_hash != prev:
            findings.append((seq, "altered", "prev_hash does not link to the hash of seq %d" % (seq - 1)))
            stopped = True
            continue
        computed = hashlib.sha256(prev.encode() + body).hexdigest()
        if computed != hash_:
            findings.append((seq, "altered", "the record's content does not match its hash"))
            stopped = True
            continue
        here = good.get(seq, [])
        agree = [c for c in here if c[0] == computed]
        disagree = [c for c in here if c[0] != computed]
        if agree and disagree:
            # Both verify: the key signed the chain as it is and the one the
            # auditor kept, so it vouches for nothing; only held ones do.
            findings.append((last_held + 1, "altered", "key %s signed two different chains at seq %d"
                             % ((agree + disagree)[-1][1], seq)))
            stopped = True
            continue
        if disagree:
            findings.append((last_good + 1, "altered", "the chain at seq %d disagrees with a signed checkpoint: "
                             "a record after seq %d was changed and the chain rebuilt" % (seq, last_good)))
            stopped = True
            continue
        if any(c[3] is None for c in agree):
            last_good = seq
        if any(c[2] for c in agree):
            last_held = seq
        if quorum and len({c[3] for c in agree if c[3]}) >= quorum:
            witnessed = seq
        try:
            canonical(body, check_record)
        except Problem as problem:
            findings.append((seq, "altered", "the record is not in canonical form: %s" % problem))
        prev, last_seq, expected = computed, seq, expected + 1

    if gap:
        back = [s for s in range(gap[0], gap[1] + 1) if s in seen_after_gap]
        if back:
            findings.append((gap[0], "reordered", "seq %d comes after seq %d" % (back[0], gap[1] + 1)))
        else:
            findings.append((gap[0], "missing", "seq %d-%d are not in the journal" % gap))
    elif not stopped:
        beyond = [s for s in good if s > last_seq]
        if beyond:
            findings.append((last_seq + 1, "truncated", "the journal ends at seq %d, but a signed checkpoint covers "
                             "seq %d" % (last_seq, min(beyond))))
        elif key_files and not findings and last_good == 0:
            findings.append((1, "unsigned", "no checkpoint signed by a trusted key covers the journal"))
        elif not good:
            notes.append("no signed checkpoint: a journal cut short at its end cannot be told from a shorter one")
        elif last_good < last_seq:
            notes.append("seq %d-%d come after the last signed checkpoint: only the hash chain vouches for them"
                         % (last_good + 1, last_seq))
        if not beyond and quorum and not findings and witnessed == 0:
            findings.append((1, "unwitnessed", "no checkpoint countersigned by %d of the named witnesses covers the "
                             "journal" % quorum))
        elif quorum and witnessed < last_seq:
            notes.append("seq %d-%d come after the last witnessed checkpoint: the key holder alone vouches for them"
                         % (witnessed + 1, last_seq))
    if not findings:
        notes.insert(0, "verified %s: %d records, %d signed checkpoints (keys %s)"
                     % (bundle, last_seq, sum(c[3] is None for v in good.values() for c in v),
                        ", ".join(sorted(keys)) or "none"))
    return findings, notes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="See docs/audit-log.md, \"Specification for independent verifiers\".")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="verify an audit bundle (docket audit export)")
    check.add_argument("bundle", help="the bundle directory")
    check.add_argument("--key", action="append", default=[], help="a public key you trust (repeatable)")
    check.add_argument("--checkpoint", action="append", default=[], help="checkpoints you held on to (JSON lines)")
    check.add_argument("--witness", action="append", default=[], help="a witness's public key (repeatable)")
    check.add_argument("--witness-quorum", type=int, default=0,
                       help="how many of the named witnesses must have countersigned (default: all)")
    ident = commands.add_parser("version-id", help="the version id of a rule file and the files it extends")
    ident.add_argument("rule_file")
    args = parser.parse_args(argv)

    if args.command == "version-id":
        print(version_id(rule_files(args.rule_file)))
        return 0
    try:
        if args.witness_quorum < 0:
            parser.error("--witness-quorum: a number from 1")
        findings, notes = verify(args.bundle, args.key, args.checkpoint, args.witness, args.witness_quorum)
    except (Problem, OSError) as error:
        print("%s: error: %s" % (args.bundle, error))
        print("verdict=error seq=-")
        return 1
    if findings:
        seq, problem, detail = min(findings, key=lambda f: f[0])
        print("%s: seq %d: %s: %s" % (args.bundle, seq, problem, detail))
        print("verdict=%s seq=%d" % (problem, seq))
        return 1
    for note in notes:
        print(note)
    print("verdict=ok seq=-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
