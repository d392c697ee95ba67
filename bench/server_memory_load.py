# Load for bench/ServerMemory.ps1 (and tests/MailServerMemory.Tests.ps1): N clients at once, each
# sending one message of SIZE MiB by SMTP DATA or IMAP APPEND, streamed from one 64 KiB chunk so
# that the clients themselves stay small; then every stored file in the Maildir is checked to end
# with exactly the bytes sent (SHA-256). Prints one JSON line.
import hashlib, json, os, re, smtplib, socket, sys, threading, time

mode, port, clients, size_mib, maildir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
user, password = (sys.argv[6], sys.argv[7]) if len(sys.argv) > 7 else ("", "")

def parts(n):
    """The message as (header, body chunk, repeats): lines of 76 bytes, some starting with a dot."""
    head = ("From: load@remote.test\r\nTo: load@example.com\r\nSubject: load-%s-%d\r\n"
            "Message-ID: <load-%s-%d@remote.test>\r\n\r\n" % (mode, n, mode, n)).encode()
    line = (".%02d%s\r\n" % (n % 100, ("0123456789abcdef" * 5)[:71])).encode()
    chunk = line * 862   # 65,512 bytes
    return head, chunk, (size_mib * 1024 * 1024) // len(chunk)

def expected(n):
    head, chunk, repeats = parts(n)
    h = hashlib.sha256(head)
    for _ in range(repeats): h.update(chunk)
    return len(head) + len(chunk) * repeats, h.hexdigest()

errors = []
lock = threading.Lock()
gate = threading.Barrier(clients)

def smtp_client(n):
    head, chunk, repeats = parts(n)
    stuffed = chunk.replace(b"\r\n.", b"\r\n..")
    stuffed = (b"." + stuffed) if stuffed.startswith(b".") else stuffed
    try:
        # One source address per 10 clients (all of 127/8 is loopback): the server caps connections per address.
        with smtplib.SMTP("127.0.0.1", port, timeout=180, source_address=("127.0.0.%d" % (2 + n // 10), 0)) as s:
            s.ehlo("load.test")
            gate.wait(timeout=120)
            s.mail("load@remote.test")
            s.rcpt("load@example.com")
            code, _ = s.docmd("DATA")
            if code != 354: raise Exception("DATA %d" % code)
            s.sock.sendall(head)
            for _ in range(repeats): s.sock.sendall(stuffed)
            s.sock.sendall(b".\r\n")
            code, text = s.getreply()
            if code != 250: raise Exception("end of data %d %r" % (code, text))
    except Exception as e:
        with lock: errors.append("smtp %d: %r" % (n, e))

def imap_client(n):
    head, chunk, repeats = parts(n)
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=180, source_address=("127.0.0.%d" % (2 + n // 10), 0))
        f = sock.makefile("rb")
        def until(tag):
            while True:
                line = f.readline()
                if not line: raise Exception("connection closed")
                if line.startswith(tag + b" ") or line.startswith(b"+"): return line
        f.readline()
        sock.sendall(b'a LOGIN "%s" "%s"\r\n' % (user.encode(), password.encode()))
        if not until(b"a").startswith(b"a OK"): raise Exception("login refused")
        gate.wait(timeout=120)
        sock.sendall(b"b APPEND INBOX {%d}\r\n" % (len(head) + len(chunk) * repeats))
        if not until(b"b").startswith(b"+"): raise Exception("no continuation")
        sock.sendall(head)
        for _ in range(repeats): sock.sendall(chunk)
        sock.sendall(b"\r\n")
        reply = until(b"b")
        if not reply.startswith(b"b OK"): raise Exception("APPEND: %r" % reply)
        sock.sendall(b"c LOGOUT\r\n")
        sock.close()
    except Exception as e:
        with lock: errors.append("imap %d: %r" % (n, e))

t0 = time.time()
threads = [threading.Thread(target=smtp_client if mode == "smtp" else imap_client, args=(n,)) for n in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.time() - t0

# Byte-exact: each message stored once, as sent (SMTP adds its trace lines before it).
found = {}
subject = re.compile(rb"Subject: load-" + mode.encode() + rb"-(\d+)\r\n")
for sub in ("new", "cur"):
    d = os.path.join(maildir, sub)
    for name in (os.listdir(d) if os.path.isdir(d) else []):
        path = os.path.join(d, name)
        with open(path, "rb") as f:
            m = subject.search(f.read(4096))
            if not m: continue
            n = int(m.group(1))
            length, digest = expected(n)
            size = os.path.getsize(path)
            if size < length: continue
            f.seek(size - length)
            h = hashlib.sha256()
            while True:
                block = f.read(1 << 20)
                if not block: break
                h.update(block)
            if h.hexdigest() == digest: found[n] = found.get(n, 0) + 1
bad = [n for n in range(clients) if found.get(n, 0) != 1]
print(json.dumps({"mode": mode, "clients": clients, "mib": size_mib, "seconds": round(elapsed, 1),
                  "errors": errors[:5], "stored_exact": clients - len(bad), "missing_or_duplicate": bad[:10]}))
