#!/usr/bin/env python3
"""Soak load for one MailAdmin server: idle IMAP sessions with periodic NOOP, IMAP IDLE watchers that
fetch each new message, SMTP clients delivering, POP3 clients reading and deleting. Loopback only,
bounded in connections and time. Writes a JSON result; exit code 0 = pass, 1 = fail.

Run by bench/soak/Soak.ps1, which creates the accounts and starts the server."""
import argparse, asyncio, json, os, random, re, resource, statistics, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--host", default="127.0.0.1")
ap.add_argument("--imap", type=int, required=True)
ap.add_argument("--smtp", type=int, required=True)
ap.add_argument("--pop3", type=int, required=True)
ap.add_argument("--pid", type=int, required=True, help="server process, for RSS")
ap.add_argument("--seconds", type=float, default=600)
ap.add_argument("--warmup", type=float, default=90, help="seconds of full load before the RSS baseline")
ap.add_argument("--idle", type=int, default=600)
ap.add_argument("--watchers", type=int, default=200)
ap.add_argument("--senders", type=int, default=150)
ap.add_argument("--readers", type=int, default=50)
ap.add_argument("--idle-accounts", type=int, default=50)
ap.add_argument("--watch-accounts", type=int, default=20)
ap.add_argument("--noop-interval", type=float, default=30)
ap.add_argument("--send-interval", type=float, default=10)
ap.add_argument("--read-interval", type=float, default=20)
ap.add_argument("--password", default="soak-pw")
ap.add_argument("--result", required=True)
a = ap.parse_args()

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = a.idle + a.watchers + a.senders + a.readers + 200
if soft < need:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, 4096)), hard))

DOMAIN = "soak.test"
def idle_user(i): return "idle%02d@%s" % (i % a.idle_accounts, DOMAIN)
def watch_user(i): return "watch%02d@%s" % (i % a.watch_accounts, DOMAIN)
def pop_user(i): return "pop%02d@%s" % (i, DOMAIN)

stop = asyncio.Event()
errors = []            # (kind, detail)
noop_ms = []           # after the warm-up (steady state)
noop_warmup_ms = []    # while sessions were still arriving (logins, JIT)
measuring = False
notify_ms = []
delivered = {}         # token -> (account, time acknowledged)
seen_by_watch = {}     # token -> count
read_by_pop = {}       # token -> count
bad_bodies = []
connected = {"idle": 0, "watch": 0, "smtp": 0, "pop": 0}
rss = []               # (t, kib)
t0 = time.monotonic()

def error(kind, detail):
    errors.append((kind, str(detail)[:300]))

def body_of(token):
    size = 400 + (sum(token.encode()) * 7919) % 7000
    out, k = [], 0
    while sum(len(x) for x in out) < size:
        out.append("soak %s line %d filler text abcdefghijklmnopqrstuvwxyz\r\n" % (token, k)); k += 1
    out.append("END %s\r\n" % token)
    return "".join(out).encode()

def source_addr(i):
    # spread clients over loopback source addresses, so per-address caps do not bind a lab load
    return ("127.0.0.%d" % (1 + i % 200), 0) if a.host == "127.0.0.1" else None

def rss_kib():
    try:
        with open("/proc/%d/status" % a.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"): return int(line.split()[1])
    except OSError: return None

async def open_conn(port, i):
    return await asyncio.wait_for(asyncio.open_connection(a.host, port, local_addr=source_addr(i), limit=1 << 20), 30)

# ---------------------------------------------------------------- IMAP helpers
class Imap:
    def __init__(self, r, w): self.r, self.w, self.n = r, w, 0
    async def line(self):
        """One response line with its literals: (text, [literal bytes])."""
        text, lits = b"", []
        while True:
            part = await self.r.readline()
            if not part: raise ConnectionError("connection closed")
            m = re.search(rb"\{(\d+)\}\r\n$", part)
            if not m:
                return (text + part).decode("latin-1"), lits
            text += part
            lits.append(await self.r.readexactly(int(m.group(1))))
    async def cmd(self, command, timeout=60):
        self.n += 1
        tag = "a%d" % self.n
        self.w.write(("%s %s\r\n" % (tag, command)).encode()); await self.w.drain()
        untagged = []
        while True:
            text, lits = await asyncio.wait_for(self.line(), timeout)
            if text.startswith(tag + " "):
                if not text.startswith(tag + " OK"): raise RuntimeError("%s -> %s" % (command.split()[0], text.strip()))
                return untagged
            untagged.append((text, lits))

async def imap_login(i, user):
    r, w = await open_conn(a.imap, i)
    s = Imap(r, w)
    greet, _ = await asyncio.wait_for(s.line(), 30)
    if not greet.startswith("* OK"): raise RuntimeError("greeting " + greet.strip())
    await s.cmd('LOGIN "%s" "%s"' % (user, a.password))
    await s.cmd("SELECT INBOX")
    return s

async def close(w):
    try:
        w.close(); await asyncio.wait_for(w.wait_closed(), 5)
    except Exception: pass

async def sleep_or_stop(seconds):
    try: await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError: pass

# ---------------------------------------------------------------- idle IMAP sessions
async def idle_session(i, ready):
    try:
        s = await imap_login(i, idle_user(i))
    except Exception as e:
        error("idle-login", e); ready.release(); return
    connected["idle"] += 1; ready.release()
    await sleep_or_stop(random.uniform(0, a.noop_interval))
    try:
        while not stop.is_set():
            t = time.monotonic()
            await s.cmd("NOOP")
            (noop_ms if measuring else noop_warmup_ms).append((time.monotonic() - t) * 1000)
            await sleep_or_stop(a.noop_interval)
        await s.cmd("LOGOUT")
    except Exception as e:
        if not stop.is_set(): error("idle", e)
    finally:
        connected["idle"] -= 1
        await close(s.w)

# ---------------------------------------------------------------- IDLE watchers
TOKEN = re.compile(rb"X-Soak-Token: (\S+)")
async def watcher(i):
    try:
        s = await imap_login(i, watch_user(i))
    except Exception as e:
        error("watch-login", e); return
    connected["watch"] += 1
    last = 0
    try:
        uidnext = [t for t, _ in await s.cmd('STATUS INBOX (UIDNEXT)')]
        m = re.search(r"UIDNEXT (\d+)", " ".join(uidnext))
        last = int(m.group(1)) - 1 if m else 0
        while not stop.is_set():
            s.n += 1
            tag = "a%d" % s.n
            s.w.write(("%s IDLE\r\n" % tag).encode()); await s.w.drain()
            got_new = False
            while True:
                # untagged updates may come before the continuation
                text, _ = await asyncio.wait_for(s.line(), 30)
                if text.startswith("+"): break
                if re.match(r"\* \d+ EXISTS", text): got_new = True
                elif not text.startswith("* "): raise RuntimeError("IDLE -> " + text.strip())
            while not got_new and not stop.is_set():
                try:
                    text, _ = await asyncio.wait_for(s.line(), 5)
                except asyncio.TimeoutError:
                    continue
                if re.match(r"\* \d+ EXISTS", text): got_new = True
            s.w.write(b"DONE\r\n"); await s.w.drain()
            while True:
                text, _ = await asyncio.wait_for(s.line(), 30)
                if text.startswith(tag + " "):
                    if not text.startswith(tag + " OK"): raise RuntimeError("IDLE end -> " + text.strip())
                    break
            if stop.is_set(): break
            now = time.time()
            for text, lits in await s.cmd("UID FETCH %d:* (UID BODY.PEEK[HEADER.FIELDS (X-Soak-Token)])" % (last + 1)):
                um = re.search(r"UID (\d+)", text)
                if um: last = max(last, int(um.group(1)))
                for lit in lits:
                    tm = TOKEN.search(lit)
                    if tm:
                        tok = tm.group(1).decode()
                        seen_by_watch[tok] = seen_by_watch.get(tok, 0) + 1
                        if tok in delivered and seen_by_watch[tok] == 1:
                            notify_ms.append((now - delivered[tok][1]) * 1000)
        await s.cmd("LOGOUT")
    except Exception as e:
        if not stop.is_set(): error("watch", e)
    finally:
        connected["watch"] -= 1
        await close(s.w)

# ---------------------------------------------------------------- SMTP senders
async def smtp_reply(r):
    lines = []
    while True:
        line = await asyncio.wait_for(r.readline(), 60)
        if not line: raise ConnectionError("connection closed")
        lines.append(line.decode("latin-1").rstrip())
        if len(line) < 4 or line[3:4] != b"-": return int(line[:3]), lines

async def smtp_expect(r, w, command, code):
    if command is not None:
        w.write(command if isinstance(command, bytes) else (command + "\r\n").encode()); await w.drain()
    got, lines = await smtp_reply(r)
    if got != code: raise RuntimeError("%r -> %s" % (command if isinstance(command, str) else "DATA", " | ".join(lines)))

async def sender(i):
    seq = 0
    await sleep_or_stop(random.uniform(0, a.send_interval))
    while not stop.is_set():
        try:
            r, w = await open_conn(a.smtp, i)
        except Exception as e:
            error("smtp-connect", e); await sleep_or_stop(2); continue
        connected["smtp"] += 1
        try:
            await smtp_expect(r, w, None, 220)
            await smtp_expect(r, w, "EHLO soak%d.remote.test" % i, 250)
            while not stop.is_set():
                seq += 1
                token = "s%d-%d" % (i, seq)
                rcpt = watch_user(i + seq) if seq % 2 else pop_user((i + seq) % a.readers)
                msg = ("From: <soak@remote.test>\r\nTo: <%s>\r\nSubject: soak %s\r\nX-Soak-Token: %s\r\nMessage-ID: <%s@remote.test>\r\n\r\n"
                       % (rcpt, token, token, token)).encode() + body_of(token) + b".\r\n"
                await smtp_expect(r, w, "MAIL FROM:<soak@remote.test>", 250)
                await smtp_expect(r, w, "RCPT TO:<%s>" % rcpt, 250)
                await smtp_expect(r, w, "DATA", 354)
                await smtp_expect(r, w, msg, 250)
                delivered[token] = (rcpt, time.time())
                await sleep_or_stop(a.send_interval)
            await smtp_expect(r, w, "QUIT", 221)
        except Exception as e:
            if not stop.is_set(): error("smtp", e)
            await sleep_or_stop(1)
        finally:
            connected["smtp"] -= 1
            await close(w)

# ---------------------------------------------------------------- POP3 readers
async def pop_line(r):
    line = await asyncio.wait_for(r.readline(), 60)
    if not line: raise ConnectionError("connection closed")
    return line.decode("latin-1").rstrip("\r\n")

async def pop_ok(r, w, command):
    if command is not None:
        w.write((command + "\r\n").encode()); await w.drain()
    line = await pop_line(r)
    if not line.startswith("+OK"): raise RuntimeError("%s -> %s" % ((command or "greeting").split()[0], line))
    return line

async def pop_multiline(r):
    out = []
    while True:
        line = await asyncio.wait_for(r.readline(), 60)
        if not line: raise ConnectionError("connection closed")
        if line == b".\r\n": return b"".join(out)
        out.append(line[1:] if line.startswith(b"..") else line)

def check_body(token, message, where):
    if not message.endswith(body_of(token)): bad_bodies.append((where, token))

async def pop_session(i, user, record):
    r, w = await open_conn(a.pop3, i)
    connected["pop"] += 1
    try:
        await pop_ok(r, w, None)
        await pop_ok(r, w, "USER " + user)
        await pop_ok(r, w, "PASS " + a.password)
        count = int((await pop_ok(r, w, "STAT")).split()[1])
        for n in range(1, count + 1):
            await pop_ok(r, w, "RETR %d" % n)
            message = await pop_multiline(r)
            tm = TOKEN.search(message)
            if not tm: bad_bodies.append(("pop", "no token in message %d of %s" % (n, user))); continue
            tok = tm.group(1).decode()
            check_body(tok, message, "pop")
            record[tok] = record.get(tok, 0) + 1
            await pop_ok(r, w, "DELE %d" % n)
        await pop_ok(r, w, "QUIT")
    finally:
        connected["pop"] -= 1
        await close(w)

async def reader(i):
    await sleep_or_stop(random.uniform(0, a.read_interval))
    while not stop.is_set():
        try:
            await pop_session(i, pop_user(i), read_by_pop)
        except Exception as e:
            if not stop.is_set(): error("pop", e)
        await sleep_or_stop(a.read_interval)

# ---------------------------------------------------------------- the load generator's own delay
loop_lag_ms = []
async def lag_monitor():
    """How late the client's event loop wakes up: a NOOP latency includes this, so it is reported beside it."""
    while not stop.is_set():
        t = time.monotonic()
        await asyncio.sleep(0.1)
        if measuring: loop_lag_ms.append((time.monotonic() - t - 0.1) * 1000)

# ---------------------------------------------------------------- RSS sampler
async def sampler():
    while not stop.is_set():
        k = rss_kib()
        if k: rss.append((time.monotonic() - t0, k))
        await sleep_or_stop(5)

def pct(values, p):
    if not values: return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]

async def settle(seconds=8):
    await asyncio.sleep(seconds)
    samples = []
    for _ in range(3):
        samples.append(rss_kib()); await asyncio.sleep(1)
    return statistics.median(samples)

async def final_check():
    """Every acknowledged message is readable, byte-exact, exactly once."""
    missing, dupes = [], []
    # watch accounts: all messages stay; fetch them whole
    by_account = {}
    for tok, (acct, _) in delivered.items():
        by_account.setdefault(acct, set()).add(tok)
    for acct in sorted(x for x in by_account if x.startswith("watch")):
        s = await imap_login(10_000, acct)
        found = {}
        for text, lits in await s.cmd("UID FETCH 1:* (BODY.PEEK[])", timeout=300):
            for lit in lits:
                tm = TOKEN.search(lit)
                if not tm: continue
                tok = tm.group(1).decode()
                found[tok] = found.get(tok, 0) + 1
                check_body(tok, lit, "imap")
        await s.cmd("LOGOUT"); await close(s.w)
        missing += [t for t in by_account[acct] if t not in found]
        dupes += [t for t, c in found.items() if c > 1]
    # pop accounts: what the readers took plus what is left
    left = {}
    for i in range(a.readers):
        await pop_session(10_000 + i, pop_user(i), left)
    for acct in sorted(x for x in by_account if x.startswith("pop")):
        for t in by_account[acct]:
            c = read_by_pop.get(t, 0) + left.get(t, 0)
            if c == 0: missing.append(t)
            if c > 1: dupes.append(t)
    return missing, dupes

async def main():
    global t0, measuring
    t0 = time.monotonic()
    result = {"config": vars(a)}
    base = await settle(3)
    result["rss_start_kib"] = base
    # 1. idle IMAP sessions, ramped (logins cost a password hash each)
    ready = asyncio.Semaphore(0)
    idle_tasks = []
    for i in range(a.idle):
        idle_tasks.append(asyncio.create_task(idle_session(i, ready)))
        if i % 20 == 19: await asyncio.sleep(0.2)
    for _ in range(a.idle): await ready.acquire()
    result["idle_connected"] = connected["idle"]
    after_idle = await settle()
    result["rss_after_idle_kib"] = after_idle
    result["kib_per_idle_imap"] = (after_idle - base) / max(1, connected["idle"])
    # 2. everything else
    tasks = [asyncio.create_task(sampler()), asyncio.create_task(lag_monitor())]
    tasks += [asyncio.create_task(watcher(i)) for i in range(a.watchers)]
    tasks += [asyncio.create_task(sender(i)) for i in range(a.senders)]
    tasks += [asyncio.create_task(reader(i)) for i in range(a.readers)]
    await asyncio.sleep(min(a.warmup, a.seconds / 2))
    result["connected_at_warmup"] = dict(connected)
    warm = statistics.median([rss_kib() for _ in range(3)])
    result["rss_after_warmup_kib"] = warm
    warm_at = time.monotonic() - t0
    measuring = True
    remaining = a.seconds - (time.monotonic() - t0)
    deadline = time.monotonic() + max(0, remaining)
    while time.monotonic() < deadline:
        await asyncio.sleep(min(10, max(0, deadline - time.monotonic())))
        print("t=%4.0fs rss=%.0f MiB connected=%s delivered=%d errors=%d" % (time.monotonic() - t0, (rss_kib() or 0) / 1024, connected, len(delivered), len(errors)), flush=True)
    result["connected_at_end"] = dict(connected)
    end_rss = statistics.median([rss_kib() for _ in range(3)])
    result["rss_end_kib"] = end_rss
    result["rss_peak_after_warmup_kib"] = max([k for t, k in rss if t >= warm_at] + [end_rss])
    stop.set()
    await asyncio.wait(idle_tasks + tasks, timeout=60)
    await asyncio.sleep(2)
    missing, dupes = await final_check()
    growth = (end_rss - warm) / warm * 100
    result.update({
        "seconds": time.monotonic() - t0,
        "delivered": len(delivered), "read_by_pop": sum(read_by_pop.values()), "seen_by_idle_watchers": sum(seen_by_watch.values()),
        "noops": len(noop_ms), "noop_p50_ms": pct(noop_ms, 50), "noop_p99_ms": pct(noop_ms, 99), "noop_max_ms": max(noop_ms) if noop_ms else None,
        "noops_warmup": len(noop_warmup_ms), "noop_warmup_p99_ms": pct(noop_warmup_ms, 99),
        "client_loop_lag_p99_ms": pct(loop_lag_ms, 99), "client_loop_lag_max_ms": max(loop_lag_ms) if loop_lag_ms else None,
        "loadavg_end": os.getloadavg(),
        "notify_p50_ms": pct(notify_ms, 50), "notify_p99_ms": pct(notify_ms, 99),
        "rss_growth_pct": growth, "errors": len(errors), "error_samples": errors[:20],
        "missing": len(missing), "missing_samples": missing[:10], "duplicates": len(dupes), "bad_bodies": len(bad_bodies), "bad_body_samples": bad_bodies[:10],
        "rss_samples": rss,
    })
    checks = {
        "no protocol errors": len(errors) == 0,
        "every delivered message readable, once, byte-exact": not missing and not dupes and not bad_bodies and len(delivered) > 0,
        "all long-lived connections up at warm-up": all(result["connected_at_warmup"][k] == n for k, n in (("idle", a.idle), ("watch", a.watchers), ("smtp", a.senders))),
        "RSS growth after warm-up < 10 %": growth < 10,
        "p99 NOOP < 100 ms": (result["noop_p99_ms"] or 1e9) < 100,
    }
    result["checks"] = checks
    result["pass"] = all(checks.values())
    with open(a.result, "w") as f: json.dump(result, f, indent=1)
    for k, v in checks.items(): print("%s: %s" % ("PASS" if v else "FAIL", k))
    return 0 if result["pass"] else 1

sys.exit(asyncio.run(main()))
