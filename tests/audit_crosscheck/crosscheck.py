#!/usr/bin/env python3
"""Cross-check of the two audit verifiers: `docket audit verify` and
tools/docket_verify.py (written from docs/audit-log.md alone).

Builds stores from the shipped rules and example events, exports bundles,
tampers with copies of them (records flipped, dropped, swapped, cut; chains
rebuilt; checkpoints forged; CSV edits; non-canonical records re-signed by the
key's holder; witness cosignatures missing, forged, short of the quorum, or
outlived by a key holder's rewrite), runs both verifiers on each and fails on any disagreement in
verdict (ok or not) or in the seq reported. Each case also names what the
specification says; the Python verifier must say exactly that. Also checks
that both compute the same version id for every shipped rule file.

A case may be marked with a gap (a text naming where docket is known to be
looser than the specification): its disagreement is then expected and
printed as such, and once docket agrees the case fails until the mark is
removed. No case is marked today.

  crosscheck.py --docket build/test/docket --work DIR
"""

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

from cryptography.hazmat.primitives import serialization

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERIFIER = os.path.join(SOURCE, "tools", "docket_verify.py")
SUFFIX = 154  # ,"prev_hash":"<64>","hash":"<64>"}
GENESIS = "0" * 64


def run(*args, cwd=SOURCE):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


# ---------------------------------------------------------------- bundles as data

class Bundle:
    """A JSON-lines bundle's journal and checkpoints, to be tampered with."""

    def __init__(self, path):
        self.path = path
        raw = open(os.path.join(path, "journal.jsonl"), "rb").read()
        self.bodies = [line[:-SUFFIX] + b"}" for line in raw.split(b"\n")[:-1]]
        self.checkpoints = [json.loads(line) for line in open(os.path.join(path, "checkpoints.jsonl"))]

    def chain(self):
        hashes, prev = [], GENESIS
        for body in self.bodies:
            prev = hashlib.sha256(prev.encode() + body).hexdigest()
            hashes.append(prev)
        return hashes

    def write(self, path, hashes=None, sign_with=None, lines=None):
        """Writes the bundle to `path`; `hashes` defaults to the chain as it
        was exported (so an edited body no longer matches its hash)."""
        shutil.copytree(self.path, path)
        hashes = hashes or self.original
        prevs = [GENESIS] + hashes[:-1]
        if lines is None:
            lines = [b[:-1] + b',"prev_hash":"%s","hash":"%s"}' % (p.encode(), h.encode())
                     for b, p, h in zip(self.bodies, prevs, hashes)]
        with open(os.path.join(path, "journal.jsonl"), "wb") as out:
            out.write(b"".join(line + b"\n" for line in lines))
        checkpoints = []
        for c in self.checkpoints:
            c = dict(c)
            if sign_with and c["seq"] <= len(hashes):
                c["hash"] = hashes[c["seq"] - 1]
                c["signature"] = sign(sign_with, c["seq"], c["hash"])
            checkpoints.append(c)
        with open(os.path.join(path, "checkpoints.jsonl"), "w") as out:
            out.writelines(checkpoint_line(c) + "\n" for c in checkpoints)


def checkpoint_line(c):
    return '{"seq":%d,"hash":"%s","at":"%s","key_id":"%s","signature":"%s"}' % (
        c["seq"], c["hash"], c["at"], c["key_id"], c["signature"])


def sign(key_file, seq, hash_):
    key = serialization.load_pem_private_key(open(key_file, "rb").read(), password=None)
    return key.sign(b"docket-checkpoint-v1\n%d\n%s\n" % (seq, hash_.encode())).hex()


def key_id(key_file):
    key = serialization.load_pem_private_key(open(key_file, "rb").read(), password=None).public_key()
    return hashlib.sha256(key.public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)).hexdigest()[:16]


# ---------------------------------------------------------------- the verifiers

def docket_verdict(docket, bundle, options):
    result = run(docket, "audit", "verify", bundle, "--format", "json", *options)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return ("error", None, (result.stderr or result.stdout).strip())
    if report["ok"]:
        return ("ok", None, "")
    finding = report["finding"]
    return (finding["problem"], finding["seq"], finding["detail"])


def python_verdict(bundle, options):
    options = [o for o in options if o != "--no-rules"]
    result = run(sys.executable, VERIFIER, "verify", bundle, *options)
    lines = result.stdout.strip().splitlines()
    verdict = dict(part.split("=") for part in lines[-1].split()) if lines else {}
    if "verdict" not in verdict:
        return ("crash", None, result.stderr.strip()[-300:])
    seq = None if verdict["seq"] == "-" else int(verdict["seq"])
    return (verdict["verdict"], seq, lines[0] if len(lines) > 1 else "")


# ---------------------------------------------------------------- the matrix

def edit(bundle, seq, old, new, count=1):
    body = bundle.bodies[seq - 1]
    assert old in body, (seq, old)
    bundle.bodies[seq - 1] = body.replace(old, new, count)


def first(bundle, needle):
    return next(i + 1 for i, body in enumerate(bundle.bodies) if needle in body)


def cases(w):
    """(name, base bundle, mutation, verify options, spec verdict, spec seq, gap)."""
    key = ["--key", w.pub]
    a = "after_sales"

    def flip(b):
        edit(b, 3, b"zhang", b"zhan9")

    def drop(b):
        lines = lines_of(b)
        return dict(lines=lines[:11] + lines[12:])

    def illegal(b):
        seq = next(s for s in range(12, 20) if b'"roles":["' in b.bodies[s - 1])
        return rebuilt(b, seq, b'"roles":["', b'"roles":["x')

    def rebuilt(b, seq, old, new, sign_with=None):
        edit(b, seq, old, new)
        return dict(hashes=b.chain(), sign_with=sign_with)

    reason = b'"reason":"' + "服务失误".encode()
    yield "flip a byte in seq 3", a, lambda b: flip(b), key, "altered", 3, None
    yield "flip a byte, no --key", a, lambda b: flip(b), [], "altered", 3, None
    yield "flip a byte, --no-rules", a, lambda b: flip(b), key + ["--no-rules"], "altered", 3, None
    yield "delete seq 12", a, drop, key, "missing", 12, None
    yield "swap seq 5 and 6", a, lambda b: dict(lines=swap_lines(b, 5)), key, "reordered", 5, None
    yield "repeat seq 3 after seq 5", a, lambda b: dict(lines=repeat_line(b, 3, 5)), key, "reordered", 3, None
    yield "cut seq 66-73", a, lambda b: cut(b, 65), key, "truncated", 66, None
    yield "cut seq 66-73 and their checkpoints", a, lambda b: cut(b, 65, drop_checkpoints=True), key, "ok", None, None
    yield "cut, checkpoints gone, held one kept", a, lambda b: cut(b, 65, drop_checkpoints=True), \
        key + ["--checkpoint", w.held], "truncated", 66, None
    yield "bad signature on checkpoint 30", a, lambda b: bad_signature(b, 30), key, "signature", 30, None
    yield "checkpoint 30 signed by another key", a, lambda b: resign(b, 30, w.other), key, "signature", 30, None
    yield "checkpoint 40 says another hash", a, lambda b: other_hash(b, 40), key, "signature", 40, None
    yield "verified with the wrong key", a, None, ["--key", w.other_pub], "signature", 10, None
    yield "prev_hash of seq 7 changed", a, lambda b: dict(lines=relink(b, 7)), key, "altered", 7, None
    yield "hash suffix cut off seq 9", a, lambda b: dict(lines=no_suffix(b, 9)), key, "altered", 9, None
    yield "CRLF line endings", a, lambda b: dict(lines=[l + b"\r" for l in lines_of(b)]), key, "altered", 1, None
    yield "chain rebuilt after an edit at seq 20", a, \
        lambda b: rebuilt(b, 20, reason, reason + b"!"), key, "altered", 11, None
    yield "key holder rewrites seq 3 and signs again; the auditor held the last checkpoint", a, \
        lambda b: rebuilt(b, 3, b'"actor":{"id":"', b'"actor":{"id":"x', w.key), key + ["--checkpoint", w.held], \
        "altered", 1, None
    yield "chain rebuilt, checkpoints deleted, --key", a, \
        lambda b: (rebuilt(b, 20, reason, reason + b"!"), b.checkpoints.clear())[0], key, "unsigned", 1, None
    yield "chain rebuilt, checkpoints deleted, no --key", a, \
        lambda b: (rebuilt(b, 20, reason, reason + b"!"), b.checkpoints.clear())[0], [], "ok", None, None
    yield "reason reworded, chain rebuilt and re-signed", a, \
        lambda b: rebuilt(b, 20, reason, reason + b"!", w.key), key, "ok", None, None
    yield "illegal edit, chain rebuilt, checkpoints kept", a, illegal, key, "altered", 11, None
    yield "unknown key in a record, re-signed", a, \
        lambda b: rebuilt(b, 4, b'"sla":null', b'"sla":null,"note":"x"', w.key), key, "altered", 4, None
    yield "unknown key in a record, re-signed, --no-rules", a, \
        lambda b: rebuilt(b, 4, b'"sla":null', b'"sla":null,"note":"x"', w.key), key + ["--no-rules"], \
        "altered", 4, None
    yield "white space in a record (not re-hashed)", a, \
        lambda b: edit(b, 8, b'"kind":', b'"kind": '), key, "altered", 8, None
    yield "white space in a record, re-signed", a, \
        lambda b: rebuilt(b, 8, b'"kind":', b'"kind": ', w.key), key, "altered", 8, None
    yield "key order swapped, re-signed", a, lambda b: swap_keys(b, 8, w.key), key, "altered", 8, None
    yield "\"\" for null, re-signed", a, \
        lambda b: rebuilt(b, 8, b'"reason":null', b'"reason":""', w.key), key, "altered", 8, None
    yield "+08:00 offset, re-signed", a, \
        lambda b: rebuilt(b, 1, b'"at":"2026-11-23T01:00:00Z"', b'"at":"2026-11-23T09:00:00+08:00"', w.key), \
        key, "altered", 1, None
    yield "\\u escape for a CJK letter, re-signed", a, \
        lambda b: rebuilt(b, 20, "服".encode(), b"\\u670d", w.key), key, "altered", 20, None
    yield "number 3999 written 3999.0, re-signed", a, \
        lambda b: rebuilt(b, 1, b'"after":3999}', b'"after":3999.0}', w.key), key, "altered", 1, None
    yield "seq written 007, re-signed", a, \
        lambda b: rebuilt(b, 7, b'{"seq":7,', b'{"seq":007,', w.key), key, "altered", 7, None
    yield "percent 50 written 50.0, re-signed", a, \
        lambda b: rebuilt(b, 15, b'"percent":50,', b'"percent":50.0,', w.key), key, "altered", 15, None
    yield "blank line between records", a, lambda b: dict(lines=lines_of(b)[:4] + [b""] + lines_of(b)[4:]), \
        key, "altered", 5, None
    yield "no newline after the last record", a, lambda b: no_final_newline(b), key, "altered", 73, None
    yield "checkpoint members reordered", a, lambda b: checkpoints_text(b, reorder=True), key, "error", None, \
        None
    yield "white space in a checkpoint line", a, lambda b: checkpoints_text(b, space=True), key, "error", None, \
        None
    yield "blank line in checkpoints.jsonl", a, lambda b: checkpoints_text(b, blank=True), key, "error", None, \
        None
    yield "uppercase hex in a checkpoint", a, lambda b: checkpoints_text(b, upper=True), key, "error", None, None
    yield "rule source altered in versions.jsonl", a, lambda b: versions_text(b, alter=True), key, "error", None, None
    yield "white space in versions.jsonl", a, lambda b: versions_text(b, space=True), key, "error", None, None
    yield "empty journal, no checkpoints, --key", a, lambda b: (b.bodies.clear(), b.checkpoints.clear(),
                                                                 b.original.clear()), key, "unsigned", 1, None
    yield "a private key given as --key", a, None, ["--key", w.key], "error", None, None
    yield "complaint_handling: flip a byte in seq 30", "complaint_handling", \
        lambda b: edit(b, 30, b'"seq":30,"at":"2026', b'"seq":30,"at":"2027'), key, "altered", 30, None
    yield "complaint_handling: delete the last record", "complaint_handling", \
        lambda b: cut(b, len(b.bodies) - 1), key, "truncated", None, None
    yield "store without a key, --key", "unsigned", None, key, "unsigned", 1, None
    yield "store without a key, no --key", "unsigned", None, [], "ok", None, None
    # Witnesses (docs/audit-log.md, "Witnesses"): two of them countersigned
    # every checkpoint of the after-sales bundle.
    x = "witnessed"
    both = key + ["--witness", w.w1_pub, "--witness", w.w2_pub]
    quorum2 = both + ["--witness-quorum", "2"]

    def rewrite(b):
        return rebuilt(b, 3, b'"actor":{"id":"', b'"actor":{"id":"x', w.key)

    yield "witnessed: verifies with a quorum of 2", x, None, quorum2, "ok", None, None
    yield "witnessed: --witness without a quorum (all named)", x, None, both, "ok", None, None
    yield "witnessed: key holder rewrites seq 3 and signs again, no --witness", x, rewrite, key, "ok", None, None
    yield "witnessed: key holder rewrites seq 3 and signs again, quorum 2", x, rewrite, quorum2, "altered", 1, None
    yield "witnessed: rewrite, signs again, checkpoints deleted, quorum 2", x, \
        lambda b: (rewrite(b), b.checkpoints.clear())[0], quorum2, "altered", 1, None
    yield "witnessed: one witness's file missing, quorum 2", x, lambda b: witness_files(b, drop=w.w2_id), quorum2, \
        "unwitnessed", 1, None
    yield "witnessed: one witness's file missing, quorum 1", x, lambda b: witness_files(b, drop=w.w2_id), \
        both + ["--witness-quorum", "1"], "ok", None, None
    yield "witnessed: forged cosignature at seq 30", x, lambda b: witness_files(b, forge=(w.w1_id, 30)), quorum2, \
        "signature", 30, None
    yield "witnessed: cosignature of a witness not named", x, lambda b: witness_files(b, forge=(w.w2_id, 30)), \
        key + ["--witness", w.w1_pub], "ok", None, None
    yield "witnessed: quorum 2 of a cosignature set only one signed", x, \
        lambda b: witness_files(b, drop=w.w2_id), key + ["--witness", w.w1_pub, "--witness", w.other_pub,
                                                          "--witness-quorum", "2"], "unwitnessed", 1, None
    yield "witnessed: quorum larger than the witnesses named", x, None, key + ["--witness", w.w1_pub,
                                                                               "--witness-quorum", "2"], \
        "error", None, None
    yield "witnessed: witnesses saw seq 1-50 only", x, lambda b: witness_files(b, through=50), quorum2, "ok", None, \
        None
    def rewrite_in(b, low, high):
        seq = next(s for s in range(low, high) if b'"actor":{"id":"' in b.bodies[s - 1])
        return rebuilt(b, seq, b'"actor":{"id":"', b'"actor":{"id":"x', w.key)

    yield "witnessed: rewrite after seq 50, when the witnesses saw seq 1-50", x, \
        lambda b: (witness_files(b, through=50), rewrite_in(b, 51, 60))[1], quorum2 + ["--no-rules"], \
        "ok", None, None
    yield "witnessed: rewrite before seq 50, when the witnesses saw seq 1-50", x, \
        lambda b: (witness_files(b, through=50), rewrite_in(b, 41, 50))[1], quorum2, "altered", 41, None
    yield "witnessed: cut seq 66-73 and their checkpoints, cosignatures kept", x, \
        lambda b: cut(b, 65, drop_checkpoints=True), quorum2, "truncated", 66, None
    yield "witnessed: no witness files, quorum 1", x, lambda b: witness_files(b, drop=w.w1_id, drop2=w.w2_id), \
        key + ["--witness", w.w1_pub, "--witness-quorum", "1"], "unwitnessed", 1, None
    yield "witnessed: white space in a cosignature line", x, lambda b: witness_files(b, space=w.w1_id), quorum2, \
        "error", None, None
    yield "witnessed: a stray file in witnesses/", x, lambda b: witness_files(b, stray=True), quorum2, "error", \
        None, None
    yield "witnessed: cosignatures of one witness in another's file", x, \
        lambda b: witness_files(b, rename=(w.w1_id, w.other_id)), key + ["--witness", w.w1_pub], "error", None, \
        None
    yield "csv: as exported", "csv", None, key, "ok", None, None
    yield "csv: ticket column changed", "csv", lambda p: csv_edit(p, 5, b",T-1001,", b",T-1002,"), key, \
        "altered", 5, None
    yield "csv: body changed", "csv", lambda p: csv_edit(p, 5, b'""T-1001""', b'""T-1002""'), key, "altered", 5, None
    yield "csv: row deleted", "csv", lambda p: csv_rows(p, lambda rows: rows[:9] + rows[10:]), key, "missing", 10, None
    yield "csv: rows swapped", "csv", lambda p: csv_rows(p, lambda rows: rows[:9] + [rows[10], rows[9]] + rows[11:]), \
        key, "reordered", 10, None
    yield "csv: header changed", "csv", lambda p: csv_edit(p, 0, b"seq,at", b"seq,time"), key, "error", None, None
    yield "csv: field quoted without need", "csv", lambda p: csv_edit(p, 5, b",T-1001,", b',"T-1001",'), key, \
        "altered", 5, None
    yield "csv: saved back with CRLF line ends", "csv", csv_crlf, key, "ok", None, None
    yield "csv: a CRLF row body changed", "csv", lambda p: (csv_crlf(p), csv_edit(p, 5, b'""T-1001""', b'""T-1002""')), \
        key, "altered", 5, None


def witness_files(b, drop=None, drop2=None, forge=None, through=None, space=None, stray=False, rename=None):
    """Changes the bundle's witnesses/ after it is written."""
    def rewrite(path):
        folder = os.path.join(path, "witnesses")
        for gone in (drop, drop2):
            if gone:
                os.remove(os.path.join(folder, gone + ".jsonl"))
        for name in os.listdir(folder):
            file = os.path.join(folder, name)
            lines = open(file).read().splitlines()
            if through:
                lines = [l for l in lines if json.loads(l)["seq"] <= through]
            if forge and name == forge[0] + ".jsonl":
                for i, l in enumerate(lines):
                    c = json.loads(l)
                    if c["seq"] == forge[1]:
                        c["signature"] = ("0" if c["signature"][0] != "0" else "1") + c["signature"][1:]
                        lines[i] = cosignature_line(c)
            if space and name == space + ".jsonl":
                lines[0] = lines[0].replace(",", ", ", 1)
            open(file, "w").write("".join(l + "\n" for l in lines))
        if stray:
            open(os.path.join(folder, "notes.txt"), "w").write("hello\n")
        if rename:
            os.rename(os.path.join(folder, rename[0] + ".jsonl"), os.path.join(folder, rename[1] + ".jsonl"))
    b.after_write = rewrite


def cosignature_line(c):
    return '{"seq":%d,"hash":"%s","key_id":"%s","witness_id":"%s","signature":"%s"}' % (
        c["seq"], c["hash"], c["key_id"], c["witness_id"], c["signature"])


def lines_of(b):
    prevs = [GENESIS] + b.original[:-1]
    return [body[:-1] + b',"prev_hash":"%s","hash":"%s"}' % (p.encode(), h.encode())
            for body, p, h in zip(b.bodies, prevs, b.original)]


def swap_lines(b, seq):
    lines = lines_of(b)
    lines[seq - 1], lines[seq] = lines[seq], lines[seq - 1]
    return lines


def repeat_line(b, seq, after):
    lines = lines_of(b)
    return lines[:after] + [lines[seq - 1]] + lines[after:]


def relink(b, seq):
    lines = lines_of(b)
    body = b.bodies[seq - 1]
    lines[seq - 1] = body[:-1] + b',"prev_hash":"%s","hash":"%s"}' % (b"1" * 64, b.original[seq - 1].encode())
    return lines


def no_suffix(b, seq):
    lines = lines_of(b)
    lines[seq - 1] = b.bodies[seq - 1]
    return lines


def no_final_newline(b):
    b.after_write = lambda path: truncate_last_byte(os.path.join(path, "journal.jsonl"))


def truncate_last_byte(path):
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[:-1])


def cut(b, last, drop_checkpoints=False):
    del b.bodies[last:]
    b.original = b.original[:last]
    if drop_checkpoints:
        b.checkpoints = [c for c in b.checkpoints if c["seq"] <= last]


def bad_signature(b, seq):
    c = next(c for c in b.checkpoints if c["seq"] == seq)
    c["signature"] = ("0" if c["signature"][0] != "0" else "1") + c["signature"][1:]


def resign(b, seq, key_file):
    c = next(c for c in b.checkpoints if c["seq"] == seq)
    c["signature"], c["key_id"] = sign(key_file, seq, c["hash"]), key_id(key_file)


def other_hash(b, seq):
    c = next(c for c in b.checkpoints if c["seq"] == seq)
    c["hash"] = b.original[seq - 2]


def swap_keys(b, seq, key_file):
    body = json.loads(b.bodies[seq - 1])
    items = list(body.items())
    items[2], items[3] = items[3], items[2]
    b.bodies[seq - 1] = json.dumps(dict(items), ensure_ascii=False, separators=(",", ":")).encode()
    return dict(hashes=b.chain(), sign_with=key_file)


def checkpoints_text(b, reorder=False, space=False, blank=False, upper=False):
    def rewrite(path):
        file = os.path.join(path, "checkpoints.jsonl")
        lines = open(file).read().splitlines()
        c = json.loads(lines[2])
        if reorder:
            lines[2] = json.dumps({k: c[k] for k in ("hash", "seq", "at", "key_id", "signature")},
                                  separators=(",", ":"))
        if space:
            lines[2] = lines[2].replace(",", ", ")
        if blank:
            lines.insert(2, "")
        if upper:
            lines[2] = lines[2].replace(c["signature"], c["signature"].upper())
        open(file, "w").write("".join(line + "\n" for line in lines))
    b.after_write = rewrite


def versions_text(b, alter=False, space=False):
    def rewrite(path):
        file = os.path.join(path, "versions.jsonl")
        text = open(file, encoding="utf-8").read()
        if alter:
            text = text.replace("-> closed", "-> closed ", 1)
        if space:
            text = text.replace('","workflow":', '", "workflow":', 1)
        open(file, "w", encoding="utf-8").write(text)
    b.after_write = rewrite


def csv_edit(path, row, old, new):
    file = os.path.join(path, "journal.csv")
    lines = open(file, "rb").read().split(b"\n")
    assert old in lines[row], (row, old)
    lines[row] = lines[row].replace(old, new, 1)
    open(file, "wb").write(b"\n".join(lines))


def csv_crlf(path):
    """The CSV as a spreadsheet writes it back: RFC 4180's CRLF line ends."""
    file = os.path.join(path, "journal.csv")
    text = open(file, "rb").read()
    open(file, "wb").write(text.replace(b"\n", b"\r\n"))


def csv_rows(path, change):
    file = os.path.join(path, "journal.csv")
    lines = open(file, "rb").read().split(b"\n")
    rows = change(lines[1:-1])
    open(file, "wb").write(b"\n".join([lines[0]] + rows + [b""]))


# ---------------------------------------------------------------- setup and run

class Work:
    pass


def setup(docket, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    w = Work()
    w.dir = work
    for name in ("audit", "other", "w1", "w2"):
        result = run(docket, "keys", "new", "--out", os.path.join(work, name))
        assert result.returncode == 0, result.stderr
    w.key, w.pub = os.path.join(work, "audit.key"), os.path.join(work, "audit.pub")
    w.other, w.other_pub = os.path.join(work, "other.key"), os.path.join(work, "other.pub")
    w.w1_pub, w.w2_pub = os.path.join(work, "w1.pub"), os.path.join(work, "w2.pub")
    w.w1_id, w.w2_id, w.other_id = (key_id(os.path.join(work, n + ".key")) for n in ("w1", "w2", "other"))
    stores = {
        "after_sales": ("rules/after_sales.docket", "examples/after_sales/walkthrough.jsonl", ["--key", w.key,
                                                                                              "--checkpoint-every", "10"]),
        "complaint_handling": ("rules/complaint_handling.docket", "examples/complaint_handling/walkthrough.jsonl",
                               ["--key", w.key]),
        "unsigned": ("rules/after_sales.docket", "examples/after_sales/02_service_error_compensation.jsonl", []),
    }
    w.bundles = {}
    for name, (rules, events, options) in stores.items():
        store = os.path.join(work, name + ".db")
        result = run(docket, "run", rules, "--events", events, "--store", store, "-q", *options)
        assert result.returncode == 0, result.stdout + result.stderr
        w.bundles[name] = os.path.join(work, "bundle-" + name)
        result = run(docket, "audit", "export", store, "--out", w.bundles[name])
        assert result.returncode == 0, result.stderr
    w.bundles["csv"] = os.path.join(work, "bundle-csv")
    result = run(docket, "audit", "export", os.path.join(work, "after_sales.db"), "--out", w.bundles["csv"],
                 "--format", "csv")
    assert result.returncode == 0, result.stderr
    # Two witnesses countersign a copy of the after-sales bundle.
    w.bundles["witnessed"] = os.path.join(work, "bundle-witnessed")
    shutil.copytree(w.bundles["after_sales"], w.bundles["witnessed"])
    for name in ("w1", "w2"):
        result = run(docket, "audit", "witness", w.bundles["witnessed"], "--key", os.path.join(work, name + ".key"),
                     "--trust", w.pub)
        assert result.returncode == 0, result.stdout + result.stderr
    # The checkpoint an auditor held on to: the last of the full journal.
    w.held = os.path.join(work, "held.jsonl")
    lines = open(os.path.join(w.bundles["after_sales"], "checkpoints.jsonl")).read().splitlines()
    open(w.held, "w").write(lines[-1] + "\n")
    return w


def tampered(w, number, base, mutate):
    path = os.path.join(w.dir, "case-%02d" % number)
    if base == "csv" or base == "unsigned" or mutate is None:
        shutil.copytree(w.bundles[base], path)
        if mutate:
            mutate(path)
        return path
    bundle = Bundle(w.bundles[base])
    bundle.original = bundle.chain()
    bundle.after_write = None
    written = mutate(bundle)
    bundle.write(path, **(written if isinstance(written, dict) else {}))
    if bundle.after_write:
        bundle.after_write(path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docket", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    docket = os.path.abspath(args.docket)
    w = setup(docket, os.path.abspath(args.work))

    rows, failures, agree, gaps = [], [], 0, 0
    for number, (name, base, mutate, options, want, want_seq, gap) in enumerate(cases(w), 1):
        path = tampered(w, number, base, mutate)
        d = docket_verdict(docket, path, options)
        p = python_verdict(path, options)
        if want == "truncated" and want_seq is None:  # the seq depends on the example's length
            want_seq = len(open(os.path.join(path, "journal.jsonl"), "rb").read().split(b"\n"))
        same = (d[0] == "ok") == (p[0] == "ok") and d[1] == p[1]
        if p[:2] != (want, want_seq):
            status = "FAIL: the specification says %s/%s" % (want, want_seq if want_seq else "-")
            failures.append((name, p[2]))
        elif same and gap:
            status = "FAIL: agrees now: remove the gap mark"
            failures.append((name, gap))
        elif same:
            status, agree = "agree", agree + 1
        elif gap:
            status, gaps = gap, gaps + 1
        else:
            status = "FAIL: disagreement"
            failures.append((name, "docket: %s / python: %s" % (d[2], p[2])))
        rows.append((name, "%s/%s" % (d[0], d[1] or "-"), "%s/%s" % (p[0], p[1] or "-"), status))

    # Version ids: every shipped rule file, by docket (the journal's `version`) and by the verifier.
    event = os.path.join(w.dir, "one-event.jsonl")
    open(event, "w").write('{"event":"create","ticket":"V-1","at":"2026-01-05T01:00:00Z",'
                           '"actor":{"id":"v","roles":[]}}\n')
    files = sorted(glob.glob("rules/*.docket", root_dir=SOURCE) + glob.glob("rules/industries/*.docket",
                                                                            root_dir=SOURCE))
    for rules, gap in [(f, None) for f in files] + [("./rules/industries/saas.docket", None)]:
        log = os.path.join(w.dir, "version.jsonl")
        run(docket, "run", rules, "--events", event, "--log", log, "-q")
        ids = {json.loads(line)["version"] for line in open(log)}
        theirs = ids.pop() if len(ids) == 1 else "?"
        ours = run(sys.executable, VERIFIER, "version-id", rules).stdout.strip()
        name = "version id of " + rules
        same = theirs == ours
        if same and not gap:
            status, agree = "agree", agree + 1
        elif not same and gap:
            status, gaps = gap, gaps + 1
        else:
            status = "FAIL: agrees now: remove the gap mark" if same else "FAIL: disagreement"
            failures.append((name, "docket %s, python %s" % (theirs, ours)))
        rows.append((name, theirs[:12], ours[:12], status))

    width = max(len(r[0]) for r in rows)
    print("%-*s  %-16s  %-16s  %s" % (width, "case", "docket", "python", "result"))
    for row in rows:
        print("%-*s  %-16s  %-16s  %s" % (width, *row))
    print("%d cases: %d agree, %d known-gap disagreements, %d failed" % (len(rows), agree, gaps, len(failures)))
    for name, detail in failures:
        print("failed: %s: %s" % (name, detail))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
