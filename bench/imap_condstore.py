#!/usr/bin/env python3
"""CONDSTORE resynchronisation (RFC 7162), timed on two servers in turn; run by bench/ImapThroughput.ps1.

    imap_condstore.py USER PASSWORD ROUNDS HOST:PORT_A HOST:PORT_B

What a client that was offline does when it comes back: it remembers HIGHESTMODSEQ n, and asks
only for what changed since, `UID FETCH 1:* (FLAGS) (CHANGEDSINCE n)`. Each round, per server:
SELECT (HIGHESTMODSEQ n), \\Answered on 1 % of the INBOX (every 100th message, another offset each
round), then the timed FETCH, whose answer must hold exactly those messages. Both INBOXes already
hold the same messages (bench/imap_bench.py filled them). A server that does not advertise
CONDSTORE after login is left out with the reason. Prints JSON, one object per server:
{"supported": true, "changed": 100, "rounds": [...], "median": s} or {"supported": false, "reason": "..."}.
"""
import imaplib, json, re, sys, time

user, password, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
servers = [tuple(s.rsplit(":", 1)) for s in sys.argv[4:6]]

def connect(host, port):
    m = imaplib.IMAP4(host, int(port))
    m.login(user, password)
    typ, data = m.capability()  # after login: the capabilities a client may use
    capabilities = data[0].decode().upper().split()
    if "CONDSTORE" not in capabilities:
        m.logout()
        return None
    typ, _ = m._simple_command("ENABLE", "CONDSTORE")
    if typ != "OK": raise SystemExit("ENABLE CONDSTORE failed")
    m.select("INBOX")
    typ, data = m.uid("SEARCH", None, "ALL")
    return m, data[0].split()

def highest_modseq(m):
    m.select("INBOX")  # imaplib forgets earlier untagged responses on SELECT
    typ, data = m.response("HIGHESTMODSEQ")
    if not data or data[-1] is None: raise SystemExit("SELECT gave no HIGHESTMODSEQ")
    return int(data[-1].split()[0])

def one_round(m, uids, r):
    since = highest_modseq(m)
    changed = uids[r % 100::100]
    typ, _ = m.uid("STORE", b",".join(changed).decode(), "+FLAGS.SILENT", "(\\Answered)")
    if typ != "OK": raise SystemExit("STORE failed")
    start = time.perf_counter()
    typ, data = m.uid("FETCH", "1:*", "(FLAGS) (CHANGEDSINCE %d)" % since)
    elapsed = time.perf_counter() - start
    if typ != "OK": raise SystemExit("FETCH CHANGEDSINCE failed")
    got = {re.search(rb"UID (\d+)", d).group(1) for d in data if isinstance(d, bytes)}
    if got != set(changed):
        raise SystemExit("FETCH CHANGEDSINCE returned %d messages, %d were changed" % (len(got), len(changed)))
    return elapsed, len(changed)

results, clients = [], []
for host, port in servers:
    c = connect(host, port)
    clients.append(c)
    results.append({"supported": c is not None, "rounds": []} if c else
                   {"supported": False, "reason": "CONDSTORE not advertised after login"})
for r in range(rounds):
    for c, result in zip(clients, results):
        if c is None: continue
        elapsed, result["changed"] = one_round(c[0], c[1], r)
        result["rounds"].append(elapsed)
for c, result in zip(clients, results):
    if c is None: continue
    # The flags back as they were, for whatever runs after.
    c[0].uid("STORE", "1:*", "-FLAGS.SILENT", "(\\Answered)")
    c[0].logout()
    values = sorted(result["rounds"]); result["median"] = values[len(values) // 2]
print(json.dumps(results))
