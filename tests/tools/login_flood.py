#!/usr/bin/env python3
"""Wrong passwords from one address while the right one logs in from another.

usage: login_flood.py HOST IMAP_PORT POP3_PORT USER PASSWORD ATTACKERS SECONDS

ATTACKERS threads connect from 127.0.0.1 and send IMAP LOGIN with wrong passwords as fast as the
server answers (reconnecting whenever it closes), for SECONDS. Meanwhile, every few seconds, a client
on 127.0.0.2 logs in with the right password over IMAP and then POP3 and times it. Prints JSON:
the good logins' times in seconds, how many wrong LOGINs were sent and how many were answered.
"""
import json, socket, sys, threading, time

host, imap_port, pop3_port, user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
attackers, seconds = int(sys.argv[6]), float(sys.argv[7])
deadline = time.monotonic() + seconds
counts = {'sent': 0, 'answered': 0, 'connections': 0}
lock = threading.Lock()

def connect(port, source):
    s = socket.create_connection((host, port), timeout=5, source_address=(source, 0))
    return s, s.makefile('rb')

class Lines:
    """Line reader over a socket with a short timeout, so a waiting thread still sees the deadline."""
    def __init__(self, sock): self.sock, self.buf = sock, b''
    def readline(self):
        while b'\n' not in self.buf:
            if time.monotonic() >= deadline: return None
            try:
                chunk = self.sock.recv(4096)
            except (socket.timeout, TimeoutError):
                continue
            if not chunk: return b''
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b'\n')
        return line + b'\n'

def attack(n):
    tag = 0
    while time.monotonic() < deadline:
        s = None
        try:
            s = socket.create_connection((host, imap_port), timeout=5, source_address=('127.0.0.1', 0))
            s.settimeout(0.5)
            with lock: counts['connections'] += 1
            r = Lines(s)
            greeting = r.readline()
            if not greeting or not greeting.startswith(b'* OK'):
                time.sleep(0.05)
                continue
            while time.monotonic() < deadline:
                tag += 1
                s.sendall(b'a%d LOGIN %s wrong-%d-%d\r\n' % (tag, user.encode(), n, tag))
                with lock: counts['sent'] += 1
                line = r.readline()
                while line and not line.startswith(b'a%d ' % tag) and not line.startswith(b'* BYE'):
                    line = r.readline()
                if not line or line.startswith(b'* BYE'): break
                with lock: counts['answered'] += 1
        except OSError:
            time.sleep(0.05)
        finally:
            if s is not None: s.close()

def imap_login():
    start = time.monotonic()
    s, f = connect(imap_port, '127.0.0.2')
    f.readline()
    s.sendall(b'g LOGIN %s %s\r\n' % (user.encode(), password.encode()))
    while True:
        line = f.readline()
        if not line or line.startswith(b'g '): break
    elapsed = time.monotonic() - start
    s.sendall(b'z LOGOUT\r\n')
    s.close()
    if not line.startswith(b'g OK'): raise SystemExit('IMAP login failed: %r' % line)
    return elapsed

def pop3_login():
    start = time.monotonic()
    s, f = connect(pop3_port, '127.0.0.2')
    f.readline()
    s.sendall(b'USER %s\r\n' % user.encode()); f.readline()
    s.sendall(b'PASS %s\r\n' % password.encode()); line = f.readline()
    elapsed = time.monotonic() - start
    s.sendall(b'QUIT\r\n')
    s.close()
    if not line.startswith(b'+OK'): raise SystemExit('POP3 login failed: %r' % line)
    return elapsed

threads = [threading.Thread(target=attack, args=(i,), daemon=True) for i in range(attackers)]
for t in threads: t.start()
good = []
time.sleep(2)   # let the flood start first
def timed(login):
    start = time.monotonic()
    try:
        return round(login(), 3)
    except OSError as e:   # a timeout: report it as the time it took, and why
        errors.append('%s: %r' % (login.__name__, e))
        return round(time.monotonic() - start, 3)

errors = []
while time.monotonic() < deadline - 1:
    good.append({'imap': timed(imap_login), 'pop3': timed(pop3_login)})
    time.sleep(3)
for t in threads: t.join(timeout=10)
print(json.dumps({'good': good, 'errors': errors, **counts}))
