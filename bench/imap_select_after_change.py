#!/usr/bin/env python3
"""SELECT after a flag change that really renames every file; run by bench/ImapThroughput.ps1.

    imap_select_after_change.py USER PASSWORD ROUNDS HOST:PORT_A HOST:PORT_B

imap_interleave.py's STORE round sets and clears the same flags, which our server coalesces into no
rename at all, so its SELECT after it finds nothing to list. Here each round flips \\Flagged on every
message (set one round, cleared the next), waits 2.5 s (our deferred renames run about a second
after the STORE, and a directory time younger than 2 s is not trusted by either server), then times
SELECT INBOX: both servers must list cur/ again. Servers are timed in turn, round by round.
Prints JSON: for each server, the median seconds of the SELECT.
"""
import imaplib, json, sys, time

user, password, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
servers = [tuple(s.rsplit(":", 1)) for s in sys.argv[4:6]]

def connect(host, port):
    m = imaplib.IMAP4(host, int(port)); m.login(user, password); m.select("INBOX"); return m

clients = [connect(h, p) for h, p in servers]
times = [[] for _ in clients]
for r in range(rounds):
    for i, m in enumerate(clients):
        typ, _ = m.store("1:*", "+FLAGS.SILENT" if r % 2 == 0 else "-FLAGS.SILENT", "(\\Flagged)")
        if typ != "OK": raise SystemExit("STORE failed")
    time.sleep(2.5)
    for i, m in enumerate(clients):
        start = time.perf_counter(); typ, _ = m.select("INBOX"); times[i].append(time.perf_counter() - start)
        if typ != "OK": raise SystemExit("SELECT failed")
for m in clients:
    if rounds % 2 == 1: m.store("1:*", "-FLAGS.SILENT", "(\\Flagged)")
    m.logout()
print(json.dumps([sorted(t)[len(t) // 2] for t in times]))
