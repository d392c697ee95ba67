"""Trickles one byte every 2 s at a MailAdmin server in each protocol phase at once, and prints
how long each connection stayed open (issue 11 §7 acceptance: every one closed within 330 s).
Usage: python3 slow_clients.py SMTP_PORT SUBMISSION_PORT IMAP_PORT POP3_PORT USER PASSWORD"""
import base64, socket, sys, threading, time

smtp, submission, imap, pop3 = (int(p) for p in sys.argv[1:5])
user, password = sys.argv[5], sys.argv[6]
LIMIT = 400
results = {}

def chat(f, s, line, expect):
    s.sendall(line.encode() + b'\r\n')
    while True:
        reply = f.readline().decode()
        if not reply: raise RuntimeError('closed while waiting for ' + expect)
        if reply.startswith(expect) and (len(reply) < 4 or reply[3:4] != '-'): return

def trickle(name, port, greeting, setup, payload):
    s = socket.create_connection(('127.0.0.1', port), timeout=LIMIT + 30)
    f = s.makefile('rb')
    f.readline()
    for line, expect in setup: chat(f, s, line, expect)
    start, i = time.monotonic(), 0
    s.settimeout(2)
    try:
        while time.monotonic() - start < LIMIT:
            s.sendall(payload[i % len(payload):i % len(payload) + 1]); i += 1
            try:
                if s.recv(4096) == b'': break
            except socket.timeout: pass
    except OSError: pass
    results[name] = time.monotonic() - start

plain = base64.b64encode(('\0' + user + '\0' + password).encode()).decode()
scenarios = [
    ('smtp before MAIL', smtp, [], b'NOOP\r\n'),
    ('submission after AUTH', submission, [('EHLO c', '250'), ('AUTH PLAIN ' + plain, '235')], b'MAIL FROM:<' + b'a' * 1000),
    ('smtp inside DATA', smtp, [('EHLO c', '250'), ('MAIL FROM:<x@remote.test>', '250'), ('RCPT TO:<' + user + '>', '250'), ('DATA', '354')], b'x' * 1000),
    ('imap before login', imap, [], b'a NOOP\r\n'),
    ('imap after login', imap, [('a LOGIN ' + user + ' ' + password, 'a OK')], b'b SELECT ' + b'I' * 1000),
    ('pop3 before login', pop3, [], b'CAPA\r\n'),
    ('pop3 after login', pop3, [('USER ' + user, '+OK'), ('PASS ' + password, '+OK')], b'LIST ' + b'1' * 1000),
]
threads = [threading.Thread(target=trickle, args=(n, p, None, setup, payload)) for n, p, setup, payload in scenarios]
for t in threads: t.start()
for t in threads: t.join()
for name, _, _, _ in scenarios:
    print('%-24s closed after %5.0f s' % (name, results.get(name, float('nan'))))
