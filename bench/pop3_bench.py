#!/usr/bin/env python3
"""POP3 operations timed on two servers in turn (A, B, A, B, ...); run by bench/Pop3Throughput.ps1.

    pop3_bench.py USER PASSWORD ROUNDS COUNT HOST:IMAP_PORT:POP3_PORT_A HOST:IMAP_PORT:POP3_PORT_B

Fills both INBOXes with COUNT identical messages over IMAP (APPEND), then times, round by round,
each server in turn: login (USER/PASS), STAT, LIST, UIDL, and RETR of every message. Python's
poplib reads a RETR answer line by line, which makes it slower than either server; so RETR is
driven by this script's own client: the RETR commands are pipelined (RFC 2449 PIPELINING, both
servers advertise it) a window at a time and the answers read in large blocks, counting
terminators. Prints JSON: for each server, the median seconds per operation over ROUNDS rounds.
"""
import imaplib, json, socket, sys, time

user, password, rounds, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
servers = [s.split(":") for s in sys.argv[5:7]]
WINDOW = 64  # RETR commands in flight

def message(i):
    body = ("Line %d of a benchmark message body, long enough to look like mail.\r\n" % i) * 120
    return ("From: Sender %d <sender%d@example.org>\r\nTo: Ann <ann@example.com>\r\n"
            "Subject: benchmark message %d\r\nDate: Tue, 3 Nov 2026 11:%02d:%02d +0000\r\n"
            "Message-ID: <pop3-bench-%d@example.org>\r\n\r\n%s"
            % (i, i % 50, i, (i // 60) % 60, i % 60, i, body)).encode()

def fill(host, imap_port):
    m = imaplib.IMAP4(host, int(imap_port)); m.login(user, password); m.select("INBOX")
    typ, data = m.search(None, "ALL")
    if data[0]:
        m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)"); m.expunge()
    for i in range(count):
        if m.append("INBOX", None, None, message(i))[0] != "OK": raise SystemExit("APPEND failed")
    m.logout()

class Pop3:
    """A minimal POP3 client reading in large blocks (no per-line Python work for message bodies)."""
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, int(port))); self.buf = b""
        self.line()  # greeting
    def line(self):
        while b"\r\n" not in self.buf: self.recv()
        line, self.buf = self.buf.split(b"\r\n", 1)
        if not line.startswith(b"+OK"): raise SystemExit("POP3 error: %r" % line)
        return line
    def recv(self):
        data = self.sock.recv(1 << 20)
        if not data: raise SystemExit("POP3 connection closed")
        self.buf += data
    def command(self, text):
        self.sock.sendall(text.encode() + b"\r\n"); return self.line()
    def multiline(self, text):
        self.command(text)
        while True:
            if self.buf.startswith(b".\r\n"): cut = 3                    # an empty listing
            else:
                end = self.buf.find(b"\r\n.\r\n"); cut = end + 5 if end != -1 else -1
            if cut != -1:
                body, self.buf = self.buf[:cut], self.buf[cut:]
                return body
            self.recv()
    def retr_all(self, n):
        """RETR 1..n pipelined; returns the octets received."""
        total, sent, done, tail = 0, 0, 0, b""
        self.sock.sendall(b"".join(b"RETR %d\r\n" % i for i in range(1, min(n, WINDOW) + 1))); sent = min(n, WINDOW)
        data = self.buf; self.buf = b""
        while done < n:
            if not data:
                data = self.sock.recv(1 << 20)
                if not data: raise SystemExit("POP3 connection closed")
            total += len(data)
            # An answer ends with CRLF . CRLF; a body line "." is stuffed to "..", so this only ends answers.
            chunk = tail + data
            finished = chunk.count(b"\r\n.\r\n")
            tail = chunk[-4:]
            data = b""
            done += finished
            if sent < n and done + WINDOW > sent:
                more = min(n, done + WINDOW) - sent
                if more > 0:
                    self.sock.sendall(b"".join(b"RETR %d\r\n" % i for i in range(sent + 1, sent + more + 1))); sent += more
        return total
    def close(self):
        try: self.command("QUIT")
        finally: self.sock.close()

def login(host, port):
    p = Pop3(host, port); p.command("USER " + user); p.command("PASS " + password); return p

for host, imap_port, _ in servers: fill(host, imap_port)

operations = ["login", "stat", "list", "uidl", "retr"]
times = [{op: [] for op in operations} for _ in servers]
octets = [0 for _ in servers]
for _ in range(rounds):
    for i, (host, _, pop3_port) in enumerate(servers):
        t = time.perf_counter(); p = login(host, pop3_port); times[i]["login"].append(time.perf_counter() - t)
        t = time.perf_counter(); stat = p.command("STAT"); times[i]["stat"].append(time.perf_counter() - t)
        if int(stat.split()[1]) != count: raise SystemExit("STAT: %r, expected %d messages" % (stat, count))
        t = time.perf_counter(); p.multiline("LIST"); times[i]["list"].append(time.perf_counter() - t)
        t = time.perf_counter(); p.multiline("UIDL"); times[i]["uidl"].append(time.perf_counter() - t)
        t = time.perf_counter(); octets[i] = p.retr_all(count); times[i]["retr"].append(time.perf_counter() - t)
        p.close()

def median(values):
    values = sorted(values); return values[len(values) // 2]

print(json.dumps([dict({op: median(v) for op, v in t.items()}, octets=octets[i]) for i, t in enumerate(times)]))
