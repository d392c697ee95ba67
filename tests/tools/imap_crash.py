#!/usr/bin/env python3
"""kill -9 during IMAP operations (tests/CrashConsistency.Tests.ps1).

  imap_crash.py run   PORT USER PASS LOG PID ITER MODE   seeds a folder, then runs MODE (move | copy | mixed)
                                                           and kills the server (SIGKILL) at a random moment
  imap_crash.py check PORT USER PASS LOG STATE            after the restart: checks every iteration in LOG

LOG holds one JSON object per line: what was asked ("begin") and what the server answered OK ("ok"),
flushed before the next command, so it survives the kill. STATE keeps what each check observed, so later
checks see that earlier folders did not change (UIDs stable across restarts)."""
import imaplib, json, os, random, re, signal, sys, threading, time

SEED = 400

def marker(it, n): return "m%d-%d" % (it, n)

def message(mark):
    body = "".join("line %d of %s, some filler text to give the message a body\r\n" % (k, mark) for k in range(20 + sum(mark.encode()) % 40))
    return ("From: crash@remote.test\r\nSubject: %s\r\nX-Marker: %s\r\n\r\n%sEND %s\r\n" % (mark, mark, body, mark)).encode()

class Log:
    def __init__(self, path): self.f, self.lock = open(path, "a"), threading.Lock()
    def write(self, **entry):
        with self.lock:
            self.f.write(json.dumps(entry) + "\n"); self.f.flush(); os.fsync(self.f.fileno())

def connect(port, user, password):
    c = imaplib.IMAP4("127.0.0.1", port, timeout=60)
    c.login(user, password)
    return c

def uidvalidity(c, folder):
    typ, data = c.status(folder, "(UIDVALIDITY UIDNEXT)")
    m = re.search(rb"UIDVALIDITY (\d+) UIDNEXT (\d+)", data[0])
    return int(m.group(1)), int(m.group(2))

def copyuid(c, data):
    m = re.search(rb"COPYUID (\d+) ([\d:,]+) ([\d:,]+)", b" ".join(d for d in data if isinstance(d, bytes)))
    if m: return [x.decode() for x in m.groups()]
    code = c.untagged_responses.get("COPYUID") or []
    for item in code:
        parts = item.decode().split()
        if len(parts) == 3: return parts
    return None

def expand(uidset):
    out = []
    for part in uidset.split(","):
        a, _, b = part.partition(":")
        out += list(range(int(a), int(b or a) + 1))
    return out

def run(port, user, password, log_path, pid, it, mode):
    log = Log(log_path)
    c = connect(port, user, password)
    src, dst = "Src%d" % it, ("Dst%d" % it if mode == "move" else "Copy%d" % it)
    folders = [src, dst, "Calib%d" % it]
    for f in folders: c.create(f)
    for f in folders:
        v, nxt = uidvalidity(c, f)
        log.write(it=it, kind="folder", folder=f, uidvalidity=v, uidnext=nxt)
    # seed: APPEND, each answered OK with its APPENDUID
    for n in range(SEED):
        typ, data = c.append(src, "(\\Seen)" if n % 3 == 0 else None, None, message(marker(it, n)))
        m = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
        log.write(it=it, kind="ok", op="append", folder=src, marker=marker(it, n), uid=int(m.group(2)), validity=int(m.group(1)))
    c.select(src)
    # calibrate: how long does a COPY of all of them take?
    t = time.monotonic()
    c.uid("COPY", "1:*", "Calib%d" % it)
    took = time.monotonic() - t
    log.write(it=it, kind="calibrate", seconds=took)
    def arm():
        killer_at = random.uniform(0.05, 0.9) * took if mode != "mixed" else random.uniform(0.2, 1.0)
        threading.Timer(killer_at, lambda: os.kill(pid, signal.SIGKILL)).start()
        log.write(it=it, kind="kill-planned", after=killer_at, mode=mode)
    try:
        if mode in ("move", "copy"):
            arm()
            log.write(it=it, kind="begin", op=mode, folder=src, target=dst)
            typ, data = c.uid(mode.upper(), "1:*", dst)
            if typ != "OK": raise RuntimeError("%s -> %s %r" % (mode, typ, data))
            pair = copyuid(c, data)
            log.write(it=it, kind="ok", op=mode, folder=src, target=dst, pairs=[expand(pair[1]), expand(pair[2])] if pair else None)
        else:
            mixed(port, user, password, log, c, it, src, arm)
    except Exception as e:
        log.write(it=it, kind="died", error=str(e)[:200])

def mixed(port, user, password, log, c, it, src, arm):
    typ, data = c.uid("SEARCH", "ALL")
    uids = [int(x) for x in data[0].split()]
    # every connection is up before the kill is armed, so that it falls amid the traffic
    s = connect(port, user, password); s.select(src)
    a = connect(port, user, password)
    arm()
    def storer():
        # \Flagged on and off, over and over, until the kill: it lands amid flag changes
        for rnd in range(40):
            for u in uids[:150]:
                add = rnd % 2 == 0
                log.write(it=it, kind="begin", op="flag", folder=src, uid=u, add=add)
                if s.uid("STORE", str(u), "+FLAGS" if add else "-FLAGS", "(\\Flagged)")[0] != "OK": return
                log.write(it=it, kind="ok", op="flag", folder=src, uid=u, add=add)
    def appender():
        for n in range(SEED, SEED + 300):
            log.write(it=it, kind="begin", op="append", folder=src, marker=marker(it, n))
            typ, data = a.append(src, None, None, message(marker(it, n)))
            if typ != "OK": return
            m = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
            log.write(it=it, kind="ok", op="append", folder=src, marker=marker(it, n), uid=int(m.group(2)), validity=int(m.group(1)))
    def expunger():
        for k in range(150, len(uids), 5):
            part = uids[k:k + 5]
            chunk = ",".join(str(u) for u in part)
            log.write(it=it, kind="begin", op="delete", folder=src, uids=part)
            if c.uid("STORE", chunk, "+FLAGS.SILENT", "(\\Deleted)")[0] != "OK": return
            log.write(it=it, kind="ok", op="delete", folder=src, uids=part)
            log.write(it=it, kind="begin", op="expunge", folder=src, uids=part)
            if c.uid("EXPUNGE", chunk)[0] != "OK": return
            log.write(it=it, kind="ok", op="expunge", folder=src, uids=part)
            time.sleep(0.02)  # spread over the kill window
    threads = [threading.Thread(target=lambda f=f: guard(f)) for f in (storer, appender, expunger)]
    for t in threads: t.start()
    for t in threads: t.join()

def guard(f):
    try: f()
    except Exception: pass  # the kill cuts every connection

# ---------------------------------------------------------------- check
def observe(c, folder):
    """marker -> list of (uid, flags)"""
    typ, _ = c.select(folder, readonly=True)
    if typ != "OK": return None
    typ, data = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (X-Marker)])")
    seen = {}
    for item in data:
        if not isinstance(item, tuple): continue
        head, lit = item
        uid = int(re.search(rb"UID (\d+)", head).group(1))
        flags = re.search(rb"FLAGS \(([^)]*)\)", head).group(1).decode().split()
        m = re.search(rb"X-Marker: (\S+)", lit)
        seen.setdefault(m.group(1).decode() if m else "?", []).append((uid, sorted(flags)))
    return seen

def check(port, user, password, log_path, state_path):
    entries = [json.loads(l) for l in open(log_path) if l.strip()]
    state = json.load(open(state_path)) if os.path.exists(state_path) else {}
    failures = []
    def fail(msg): failures.append(msg)
    c = connect(port, user, password)
    last_it = max(e["it"] for e in entries)
    mine = [e for e in entries if e["it"] == last_it]
    folders = {e["folder"]: e for e in mine if e["kind"] == "folder"}
    mode = next(e["mode"] for e in mine if e["kind"] == "kill-planned")
    obs = {f: observe(c, f) for f in folders}
    for f, seen in obs.items():
        if seen is None: fail("folder %s is gone" % f); continue
        for mk, where in seen.items():
            if len(where) > 1: fail("%s: marker %s is there %d times" % (f, mk, len(where)))
        v, _ = uidvalidity(c, f)
        if v != folders[f]["uidvalidity"]: fail("%s: UIDVALIDITY %d changed to %d" % (f, folders[f]["uidvalidity"], v))
    src = "Src%d" % last_it
    appended = {e["marker"]: e["uid"] for e in mine if e["kind"] == "ok" and e["op"] == "append"}
    inflight_appends = {e["marker"] for e in mine if e["kind"] == "begin" and e["op"] == "append"} - set(appended)
    seeded = {mk: u for mk, u in appended.items() if int(mk.split("-")[1]) < SEED}
    s_src = obs.get(src) or {}
    outcome = ""
    if mode in ("move", "copy"):
        dst = ("Dst%d" if mode == "move" else "Copy%d") % last_it
        s_dst = obs.get(dst) or {}
        ok = any(e["kind"] == "ok" and e["op"] == mode for e in mine)
        in_dst = [mk for mk in seeded if mk in s_dst]
        in_src = [mk for mk in seeded if mk in s_src]
        if len(in_dst) not in (0, len(seeded)): fail("%s: %d of %d messages in %s: not all or nothing" % (mode, len(in_dst), len(seeded), dst))
        if ok and len(in_dst) != len(seeded): fail("%s answered OK but %d of %d are in %s" % (mode, len(in_dst), len(seeded), dst))
        if mode == "move":
            both = set(in_src) & set(in_dst)
            if both: fail("move: %d messages in both folders" % len(both))
            lost = [mk for mk in seeded if mk not in s_src and mk not in s_dst]
            if lost: fail("move: %d messages lost" % len(lost))
            src_expected = len(in_dst) == 0
        else:
            src_expected = True
        if src_expected:
            for mk, u in seeded.items():
                if mk not in s_src: fail("%s: seeded %s missing" % (src, mk))
                elif s_src[mk][0][0] != u: fail("%s: %s has UID %d, was %d" % (src, mk, s_src[mk][0][0], u))
        outcome = "%s %s: %d of %d in %s" % (mode, "answered OK" if ok else "not answered", len(in_dst), len(seeded), dst)
    else:
        expunged = {u for e in mine if e["kind"] == "ok" and e["op"] == "expunge" for u in e["uids"]}
        maybe_expunged = {u for e in mine if e["kind"] == "begin" and e["op"] == "expunge" for u in e["uids"]}
        deleted = {u for e in mine if e["kind"] == "ok" and e["op"] == "delete" for u in e["uids"]}
        # per UID: the flag state of the last STORE answered OK, unless a later one was in flight
        flag_state, flag_inflight = {}, set()
        for e in mine:
            if e.get("op") != "flag": continue
            if e["kind"] == "begin": flag_inflight.add(e["uid"])
            else:
                flag_inflight.discard(e["uid"]); flag_state[e["uid"]] = e["add"]
        flag_ok = sum(1 for e in mine if e["kind"] == "ok" and e.get("op") == "flag")
        by_uid = {where[0][0]: (mk, where[0][1]) for mk, where in s_src.items()}
        for mk, u in appended.items():
            if u in expunged:
                if u in by_uid: fail("%s: UID %d (%s) expunged with OK, but is back" % (src, u, mk))
                continue
            if u in maybe_expunged and u not in by_uid: continue
            if mk not in s_src: fail("%s: %s (UID %d, answered OK) is missing" % (src, mk, u)); continue
            if s_src[mk][0][0] != u: fail("%s: %s has UID %d, was answered %d" % (src, mk, s_src[mk][0][0], u))
            flags = s_src[mk][0][1]
            if u in flag_state and u not in flag_inflight and flag_state[u] != ("\\Flagged" in flags):
                fail("%s: UID %d has \\Flagged %s, but the last STORE answered OK %s it" % (src, u, "\\Flagged" in flags, "set" if flag_state[u] else "cleared"))
            if u in deleted and "\\Deleted" not in flags: fail("%s: UID %d lost \\Deleted (STORE answered OK)" % (src, u))
        for mk in s_src:
            if mk not in appended and mk not in inflight_appends: fail("%s: unknown message %s" % (src, mk))
        outcome = "mixed: %d appends, %d flag changes, %d expunged answered OK; %d in flight" % (
            len(appended) - len(seeded), flag_ok, len(expunged), len(inflight_appends) + len(maybe_expunged - expunged))
    # UIDs never go back: a new message gets a UID above every UID the server ever gave out in the folder
    for f in folders:
        if obs.get(f) is None: continue
        known = [u for e in mine if e.get("folder") == f and "uid" in e for u in [e["uid"]]]
        known += [u for e in mine if e.get("target") == f and e.get("pairs") for u in e["pairs"][1]]
        known += [u for where in obs[f].values() for u, _ in where]
        known.append(folders[f]["uidnext"] - 1)
        typ, data = c.append(f, None, None, message("probe-%d-%s" % (last_it, f)))
        probe = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
        if known and probe <= max(known): fail("%s: new UID %d not above %d: UIDs went back" % (f, probe, max(known)))
        obs[f] = observe(c, f)
    # earlier iterations: exactly as their check saw them
    for f, before in state.items():
        now = observe(c, f)
        if now is None: fail("%s (earlier iteration) is gone" % f); continue
        if {k: [list(x) for x in v] for k, v in now.items()} != before: fail("%s (earlier iteration) changed after a later crash" % f)
    for f, seen in obs.items(): state[f] = {k: [list(x) for x in v] for k, v in seen.items()}
    json.dump(state, open(state_path, "w"))
    c.logout()
    print("iteration %d: %s" % (last_it, outcome))
    for m in failures[:30]: print("FAIL " + m)
    return 1 if failures else 0

if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), sys.argv[8])
    else:
        sys.exit(check(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]))
