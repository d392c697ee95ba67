#!/usr/bin/env python3
"""The same scripted IMAP session against a server; prints one JSON object of normalised answers.

tests/DovecotCrossCheck.Tests.ps1 runs it against Dovecot and against our server and compares
the answers wherever RFC 3501 fixes them: message sizes and section bytes, ENVELOPE, BODY
(the non-extensible structure), SEARCH results, flags after STORE, EXPUNGE numbering, and the
OK/NO/BAD status of each command. UIDVALIDITY, UIDs' absolute values, capability lists and
response texts are the server's own business and are left out.
"""
import imaplib, json, re, sys, time

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

MESSAGES = [
    b"From: Ann Example <ann@example.com>\r\nTo: Bob <bob@example.org>, team: carol@example.org, dave@example.org;\r\n"
    b"Subject: plain text\r\nDate: Tue, 3 Nov 2026 11:34:30 +0100\r\nMessage-ID: <plain@example.com>\r\n\r\n"
    b"Hello Bob,\r\nthis is plain text.\r\n",
    b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>\r\nTo: ann@example.com\r\nCc: Eve <eve@example.net>\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_mit_Anhang?=\r\nDate: Wed, 4 Nov 2026 08:00:00 +0000\r\nMessage-ID: <mixed@example.com>\r\n"
    b"In-Reply-To: <plain@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    b"preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Gr=C3=BC=C3=9Fe\r\n--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
    b"Content-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n--b1--\r\n",
    b"From: Fwd <fwd@example.com>\r\nTo: ann@example.com\r\nSubject: forwarded\r\nDate: Thu, 5 Nov 2026 09:15:00 -0500\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\n"
    b"See below.\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\nFrom: Inner <inner@example.org>\r\nTo: fwd@example.com\r\n"
    b"Subject: inner message\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nInner body line\r\n--outer--\r\n",
]

out = {}
m = imaplib.IMAP4(host, port)
m.login(user, password)
m.select("INBOX")
typ, data = m.search(None, "ALL")
if data[0]:
    m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)"); m.expunge()

for i, raw in enumerate(MESSAGES):
    flags = "(\\Seen)" if i == 0 else "()"
    typ, _ = m.append("INBOX", flags, imaplib.Time2Internaldate(time.mktime((2026, 11, 3 + i, 12, 0, 0, 0, 0, -1))), raw)
    out["append_%d" % i] = typ

def status_of(fn, *args):
    try:
        typ, data = fn(*args)
        return typ
    except imaplib.IMAP4.error as e:
        return "BAD" if "BAD" in str(e) or "command" in str(e).lower() else "NO"

typ, data = m.select("INBOX")
out["select_exists"] = data[0].decode()

def fetch_items(seq, items):
    typ, data = m.fetch(seq, items)
    result = []
    for part in data:
        if isinstance(part, tuple):
            result.append([part[0].decode(errors="replace"), part[1].decode("latin-1")])
        elif part is not None:
            result.append(part.decode(errors="replace"))
    return result

def strip_uid(text):
    return re.sub(r"UID \d+ ?", "", text)

out["sizes"] = fetch_items("1:*", "(RFC822.SIZE)")
out["envelopes"] = fetch_items("1:*", "(ENVELOPE)")
out["body_structure_basic"] = fetch_items("1:*", "(BODY)")
out["internaldate"] = fetch_items("1:*", "(INTERNALDATE)")
out["full_bodies"] = fetch_items("1:*", "(BODY.PEEK[])")
out["headers"] = fetch_items("1:*", "(BODY.PEEK[HEADER])")
out["header_fields"] = fetch_items("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
out["text"] = fetch_items("1:*", "(BODY.PEEK[TEXT])")
out["part_1"] = fetch_items("2:3", "(BODY.PEEK[1])")
out["part_2_mime"] = fetch_items("2", "(BODY.PEEK[2.MIME])")
out["nested_header"] = fetch_items("3", "(BODY.PEEK[2.HEADER])")
out["nested_text"] = fetch_items("3", "(BODY.PEEK[2.TEXT])")
out["partial"] = fetch_items("1", "(BODY.PEEK[]<10.20>)")
for name, query in [("seen", "SEEN"), ("unseen", "UNSEEN"), ("subject", "SUBJECT plain"), ("from", "FROM jorg"),
                    ("body", "BODY Inner"), ("text", "TEXT below"), ("larger", "LARGER 300"), ("smaller", "SMALLER 300"),
                    ("since", "SINCE 4-Nov-2026"), ("sentbefore", "SENTBEFORE 4-Nov-2026"), ("or", "OR SEEN SUBJECT forwarded"),
                    ("not", "NOT FROM ann"), ("header", "HEADER In-Reply-To plain@example.com"), ("seqset", "2:*")]:
    typ, data = m.search(None, *query.split(" ", 1)) if " " not in query or query.startswith("OR") or query.startswith("NOT") or query.startswith("HEADER") else m.search(None, query.split(" ")[0], query.split(" ", 1)[1])
    out["search_" + name] = [typ, data[0].decode()]
typ, data = m.store("2", "+FLAGS", "(\\Flagged \\Answered)")
out["store_response"] = [typ, sorted(re.findall(r"\\\w+", data[0].decode()))]
typ, data = m.store("1", "-FLAGS", "(\\Seen)")
out["store_remove"] = [typ, sorted(f for f in re.findall(r"\\\w+", data[0].decode()) if f != "\\Recent")]
# BINARY (RFC 3516): decoded parts, sizes, literal8 for NULs, partials, UNKNOWN-CTE, and an APPEND
# of literal8 content (binary parts must come back from BINARY as sent, and BODY must hold no NUL).
def binary_items(seq, items):
    # A server may send any BINARY data as literal8 (Dovecot does for every decoded part); it must
    # when the data holds a NUL. So "~{n}" is compared only there.
    result = []
    for item in fetch_items(seq, items):
        if isinstance(item, list) and "\x00" not in item[1]:
            item = [item[0].replace("~{", "{"), item[1]]
        result.append(item)
    return result

out["binary_qp"] = binary_items("2", "(BINARY.PEEK[1] BINARY.SIZE[1])")
out["binary_base64"] = binary_items("2", "(BINARY.PEEK[2] BINARY.SIZE[2])")
out["binary_partial"] = binary_items("2", "(BINARY.PEEK[2]<2.5>)")
out["binary_nested"] = binary_items("3", "(BINARY.PEEK[2] BINARY.SIZE[1])")
out["binary_whole"] = binary_items("3", "(BINARY.PEEK[])")
out["binary_missing_part"] = binary_items("1", "(BINARY.PEEK[7] BINARY.SIZE[7])")
m.select("INBOX")
BINARY_MESSAGES = [
    b"From: a@example.com\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xe9 cr\xe8me\r\n",
    b"From: a@example.com\r\nSubject: uuencode\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n`\r\nend\r\n",
    b"From: a@example.com\r\nSubject: single base64\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n",
    b"From: a@example.com\r\nSubject: single qp\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nab=3D\r\n",
    b"From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@example.org\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n",
]
BINARY_APPEND = (b"From: a@example.com\r\nSubject: literal8\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n"
    b"--z\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--z\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: binary\r\n\r\n\x00\x01\xff\xe4\r\n\x00tail\r\n--z--\r\n")
status_of(m.delete, "BinCheck")
m.create("BinCheck")
for raw in BINARY_MESSAGES:
    m.append("BinCheck", "()", None, raw)
tag = m._new_tag()
m.send(tag + b" APPEND BinCheck ~{%d+}\r\n" % len(BINARY_APPEND) + BINARY_APPEND + b"\r\n")
while True:
    line = m.readline()
    if not line or line.startswith(tag):
        break
out["binary_append"] = line.split(b" ")[1].decode() if line else "closed"
m.select("BinCheck")
out["binary_8bit"] = binary_items("1", "(BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[])")
typ, data = m.fetch("2", "(BINARY.PEEK[1])")
out["binary_unknown_cte"] = [typ, b"[UNKNOWN-CTE]" in (data[0] or b"")]
m.untagged_responses.pop("FETCH", None)   # what a server sent of message 2 before it gave up
out["binary_decoded_whole"] = binary_items("4:6", "(BINARY.PEEK[] BINARY.SIZE[] BINARY.PEEK[1] BINARY.SIZE[1])")
out["binary_appended"] = binary_items("6", "(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1])")
typ, data = m.fetch("6", "(BODY.PEEK[])")
out["binary_appended_body_has_nul"] = b"\x00" in data[0][1]
m.close()
m.select("INBOX")
out["bad_fetch"] = status_of(m.fetch, "1", "(NOSUCHITEM)")
out["select_missing"] = status_of(m.select, "No/Such/Folder")
m.select("INBOX")
m.store("1", "+FLAGS.SILENT", "(\\Deleted)")
m.store("3", "+FLAGS.SILENT", "(\\Deleted)")
typ, data = m.expunge()
# RFC 3501 fixes what is removed, not the order of the EXPUNGE responses (ascending with
# renumbering, or descending): turn them back into the original sequence numbers.
remaining = list(range(1, int(out["select_exists"]) + 1))
removed = []
for n in [int(d.decode()) for d in data if d]:
    removed.append(remaining.pop(n - 1))
out["expunge"] = [typ, sorted(removed)]
typ, data = m.select("INBOX")
out["after_expunge_exists"] = data[0].decode()
m.logout()
print(json.dumps(out, sort_keys=True))
