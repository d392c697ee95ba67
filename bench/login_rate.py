#!/usr/bin/env python3
"""Login rate: connect, log in, log out, again and again, from a few threads at once.

usage: login_rate.py USER[,USER...] PASSWORD ROUNDS LOGINS THREADS NAME=IMAP_HOST:PORT/POP3_HOST:PORT ...

For each round, each server is timed in turn (IMAP LOGIN/LOGOUT, then POP3 USER/PASS/QUIT), so a load
burst on this shared machine falls on both. Prints JSON: per server and protocol, the logins per
second of each round and their median. Every login must succeed; a failure aborts the run.
Client thread i logs in as USER number i (round robin): POP3 locks a maildrop per session.
"""
import imaplib, json, poplib, statistics, sys, threading, time

users, password, rounds, logins, threads = sys.argv[1].split(','), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
servers = []
for spec in sys.argv[6:]:
    name, rest = spec.split('=', 1)
    imap, pop3 = rest.split('/')
    servers.append((name, imap.rsplit(':', 1), pop3.rsplit(':', 1)))

def imap_login(host, port, user):
    c = imaplib.IMAP4(host, int(port), timeout=30)
    typ, _ = c.login(user, password)
    if typ != 'OK': raise RuntimeError('IMAP LOGIN failed')
    c.logout()

def pop3_login(host, port, user):
    c = poplib.POP3(host, int(port), timeout=30)
    c.user(user)
    c.pass_(password)
    c.quit()

def rate(action, host, port):
    errors = []
    per_thread = logins // threads
    def work(user):
        try:
            for _ in range(per_thread): action(host, port, user)
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(repr(e))
    workers = [threading.Thread(target=work, args=(users[i % len(users)],)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers: w.start()
    for w in workers: w.join()
    elapsed = time.perf_counter() - start
    if errors: raise SystemExit('login failed: ' + errors[0])
    return per_thread * threads / elapsed

# One untimed warm-up per server and protocol (JIT, caches, Dovecot's first auth worker).
for name, imap, pop3 in servers:
    for user in users: imap_login(*imap, user); pop3_login(*pop3, user)

results = {name: {'imap': [], 'pop3': []} for name, _, _ in servers}
for r in range(rounds):
    order = servers if r % 2 == 0 else list(reversed(servers))
    for name, imap, pop3 in order:
        results[name]['imap'].append(rate(imap_login, *imap))
    for name, imap, pop3 in order:
        results[name]['pop3'].append(rate(pop3_login, *pop3))

print(json.dumps({name: {proto: {'rounds': [round(x, 1) for x in v], 'median': round(statistics.median(v), 1)}
                         for proto, v in protos.items()} for name, protos in results.items()}))
