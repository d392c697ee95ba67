#!/usr/bin/env python3
"""IMAP operations timed against one server; run by bench/ImapThroughput.ps1 for ours and Dovecot.

Prints one JSON object: seconds per operation over N messages, and resident memory per idle
logged-in connection (from /proc of the server's processes, given as pids or a pgrep pattern).
Plain IMAP on loopback with LOGIN (both servers allow it there), so TLS cost is not measured.
"""
import imaplib, json, os, sys, time, subprocess

host, port, user, password, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
rss_pids_cmd = sys.argv[6]  # shell command printing the server's pids, one per line
idle_connections = int(sys.argv[7]) if len(sys.argv) > 7 else 50

def message(i):
    body = ("Line %d of a benchmark message body, long enough to look like mail.\r\n" % i) * 120
    return ("From: Sender %d <sender%d@example.org>\r\nTo: Ann <ann@example.com>\r\n"
            "Subject: benchmark message %d\r\nDate: Tue, 3 Nov 2026 11:%02d:%02d +0000\r\n"
            "Message-ID: <bench-%d@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s"
            % (i, i % 50, i, (i // 60) % 60, i % 60, i, body)).encode()

def rss_kib():
    pids = subprocess.run(rss_pids_cmd, shell=True, capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            with open("/proc/%s/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total

def timed(fn):
    start = time.perf_counter(); fn(); return time.perf_counter() - start

def median_of(fn, rounds=5):
    values = sorted(timed(fn) for _ in range(rounds))
    return values[len(values) // 2]

m = imaplib.IMAP4(host, port)
m.login(user, password)
m.select("INBOX")
# Start from an empty INBOX.
typ, data = m.search(None, "ALL")
if data[0]:
    m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)"); m.expunge()
m.close()

result = {"messages": count}
messages = [message(i) for i in range(count)]
def append_all():
    for raw in messages:
        typ, _ = m.append("INBOX", None, None, raw)
        if typ != "OK": raise SystemExit("APPEND failed")
result["append"] = timed(append_all)
# The read operations are repeated and their median taken; APPEND runs once (it fills the box).
result["select"] = median_of(lambda: m.select("INBOX"))
result["fetch_envelope"] = median_of(lambda: m.fetch("1:*", "(UID FLAGS ENVELOPE)"))
result["fetch_body"] = median_of(lambda: m.fetch("1:*", "(BODY.PEEK[])"))
def searches():
    # Strings quoted: imaplib sends arguments as they are, and "message 77" unquoted would be
    # SUBJECT message plus the sequence set 77.
    for q in (("SUBJECT", '"message 77"'), ("FROM", "sender7@"), ("TEXT", '"Line 4242 "'), ("LARGER", "5000"), ("UNSEEN",)):
        typ, _ = m.search(None, *q)
        if typ != "OK": raise SystemExit("SEARCH failed")
result["search"] = median_of(searches)
def store_round():
    m.store("1:*", "+FLAGS.SILENT", "(\\Seen \\Flagged)")
    m.store("1:*", "-FLAGS.SILENT", "(\\Seen \\Flagged)")
result["store"] = median_of(store_round)
m.logout()

# Memory per idle logged-in connection.
before = rss_kib()
idle = []
for _ in range(idle_connections):
    c = imaplib.IMAP4(host, port); c.login(user, password); c.select("INBOX"); idle.append(c)
time.sleep(1.0)
after = rss_kib()
result["rss_per_idle_connection_kib"] = (after - before) / idle_connections
for c in idle:
    try: c.logout()
    except Exception: pass
print(json.dumps(result))
