"""One user's mailbox through Python's imaplib, for the Dovecot takeover tests (DovecotTakeover.Tests.ps1).

  imap_share_check.py fill HOST PORT USER PASSWORD     append 5 messages, flag some, expunge one, set
                                                      keywords, append one more with a keyword
  imap_share_check.py append HOST PORT USER PASSWORD N LABEL   append N messages (concurrent writers)
  imap_share_check.py state HOST PORT USER PASSWORD    print INBOX as JSON: uidvalidity, uidnext,
                                                      flags and keywords per UID (\\Recent left out: it is per session)
"""
import imaplib
import json
import re
import sys


def connect(host, port, user, password):
    imap = imaplib.IMAP4(host, int(port))
    imap.login(user, password)
    return imap


def message(subject):
    return ("From: Carol <carol@example.org>\r\nTo: ann@example.com\r\nSubject: %s\r\n"
            "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nbody of %s\r\n" % (subject, subject)).encode()


def fill(imap):
    for i, flags in enumerate([None, r"(\Seen)", r"(\Flagged \Answered)", r"(\Draft)", None]):
        imap.append("INBOX", flags, None, message("fill %d" % i))
    imap.select("INBOX")
    imap.uid("STORE", "1", "+FLAGS", r"(\Seen \Flagged)")
    imap.uid("STORE", "2", "-FLAGS", r"(\Seen)")
    imap.uid("STORE", "4", "+FLAGS", r"(\Deleted)")
    imap.expunge()
    imap.uid("STORE", "5", "+FLAGS", r"(\Deleted \Seen)")   # stays, flagged \Deleted
    # Keywords: kept in dovecot-keywords and as letters in file names, so the other server reads them too.
    imap.uid("STORE", "1", "+FLAGS", r"($Label1 Project-X)")
    imap.uid("STORE", "3", "+FLAGS", r"($Forwarded)")
    typ, data = imap.append("INBOX", r"(\Seen Urgent)", None, message("fill keyword"))
    if typ != "OK":
        raise SystemExit("APPEND with a keyword failed: %r" % data)


def append(imap, n, label):
    for i in range(int(n)):
        typ, data = imap.append("INBOX", None, None, message("%s %d" % (label, i)))
        if typ != "OK":
            raise SystemExit("APPEND failed: %r" % data)


def state(imap):
    imap.select("INBOX", readonly=True)
    imap.noop()
    typ, data = imap.uid("FETCH", "1:*", "(FLAGS)")
    flags = {}
    for item in data:
        if item is None:
            continue
        text = item.decode() if isinstance(item, bytes) else item[0].decode()
        m = re.search(r"UID (\d+)", text)
        f = re.search(r"FLAGS \(([^)]*)\)", text)
        if m and f:
            flags[m.group(1)] = sorted(x for x in f.group(1).split() if x != "\\Recent")
    imap.close()
    typ, data = imap.status("INBOX", "(UIDVALIDITY UIDNEXT MESSAGES)")
    status = dict(re.findall(r"(UIDVALIDITY|UIDNEXT|MESSAGES) (\d+)", data[0].decode()))
    return {"uidvalidity": status["UIDVALIDITY"], "uidnext": status["UIDNEXT"],
            "messages": status["MESSAGES"], "flags": flags}


def main():
    action, host, port, user, password = sys.argv[1:6]
    imap = connect(host, port, user, password)
    if action == "fill":
        fill(imap)
    elif action == "append":
        append(imap, sys.argv[6], sys.argv[7])
    elif action == "state":
        print(json.dumps(state(imap), sort_keys=True))
    imap.logout()


main()
