#!/usr/bin/env python3
"""The read operations of the IMAP benchmark, timed on two servers in turn (A, B, A, B, ...).

    imap_interleave.py USER PASSWORD ROUNDS HOST:PORT_A HOST:PORT_B

Both INBOXes must already hold the same messages (bench/imap_bench.py filled them). Timing the
servers alternately, round by round, means a burst of load on this small, noisy machine hits
both alike instead of deciding the ratio, as it can when one server's whole run precedes the
other's. Prints JSON: for each server, the median seconds per operation over ROUNDS rounds.
"""
import imaplib, json, sys, time

user, password, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
servers = [tuple(s.rsplit(":", 1)) for s in sys.argv[4:6]]

def connect(host, port):
    m = imaplib.IMAP4(host, int(port)); m.login(user, password); m.select("INBOX"); return m

def searches(m):
    for q in (("SUBJECT", '"message 77"'), ("FROM", "sender7@"), ("TEXT", '"Line 4242 "'), ("LARGER", "5000"), ("UNSEEN",)):
        typ, _ = m.search(None, *q)
        if typ != "OK": raise SystemExit("SEARCH failed")

def store_round(m):
    m.store("1:*", "+FLAGS.SILENT", "(\\Seen \\Flagged)")
    m.store("1:*", "-FLAGS.SILENT", "(\\Seen \\Flagged)")

operations = {
    "select": lambda m: m.select("INBOX"),
    "fetch_envelope": lambda m: m.fetch("1:*", "(UID FLAGS ENVELOPE)"),
    "fetch_body": lambda m: m.fetch("1:*", "(BODY.PEEK[])"),
    "search": searches,
    "store": store_round,
}

clients = [connect(h, p) for h, p in servers]
times = [{op: [] for op in operations} for _ in clients]
for _ in range(rounds):
    for op, fn in operations.items():
        for i, m in enumerate(clients):
            start = time.perf_counter(); fn(m); times[i][op].append(time.perf_counter() - start)
for m in clients:
    m.logout()

def median(values):
    values = sorted(values); return values[len(values) // 2]

print(json.dumps([{op: median(v) for op, v in t.items()} for t in times]))
