#!/usr/bin/env python3
"""An independent IMAP client (Python's imaplib) for the IMAP cmdlet tests.

    imap_check.py PORT USER PASSWORD COMMAND ARGS...

    list FOLDER                    JSON list of {uid, flags, subject, internaldate}
    append FOLDER SUBJECT [FLAGS]  appends a small message; prints its UID
    delete-flag FOLDER UID         marks one message \\Deleted (no expunge)
    create FOLDER                  creates a folder
    fill FOLDER SUBJECT...         creates FOLDER (unless INBOX) and appends one message per
                                   subject; JSON {uidvalidity, uids: {subject: uid}} (one login:
                                   our server's login hashes the password, on purpose slowly)
    uidvalidity FOLDER             prints the folder's UIDVALIDITY
    append-later SECONDS FOLDER SUBJECT   waits, then appends (run in the background)
"""
import imaplib, json, re, sys, time

port, user, password, command, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

if command == 'append-later':
    time.sleep(float(args[0]))
    args = args[1:]
    command = 'append'

M = imaplib.IMAP4('127.0.0.1', port)
M.login(user, password)

def message(subject):
    return ('From: bob@example.com\r\nTo: ann@example.com\r\nSubject: %s\r\n'
            'Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <%s@test>\r\n\r\nbody of %s\r\n' % (subject, subject.replace(' ', '.'), subject)).encode()

def ok(result):
    typ, data = result
    if typ != 'OK':
        sys.exit('%s: %r' % (command, data))
    return data

if command == 'list':
    count = int(ok(M.select('"%s"' % args[0], readonly=True))[0])
    rows = []
    if count:
        for item in ok(M.uid('FETCH', '1:*', '(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])')):
            if not isinstance(item, tuple):
                continue
            meta = item[0].decode()
            subject = re.search(r'Subject: ?(.*)', item[1].decode()).group(1).strip()
            rows.append({'uid': int(re.search(r'UID (\d+)', meta).group(1)),
                         'flags': re.search(r'FLAGS \(([^)]*)\)', meta).group(1).split(),
                         'internaldate': re.search(r'INTERNALDATE "([^"]*)"', meta).group(1),
                         'subject': subject})
    print(json.dumps(rows))
elif command == 'append':
    flags = '(%s)' % args[2] if len(args) > 2 and args[2] else None
    data = ok(M.append('"%s"' % args[0], flags, None, message(args[1])))
    found = re.search(rb'APPENDUID \d+ (\d+)', data[0])
    print(found.group(1).decode() if found else '')
elif command == 'fill':
    if args[0].upper() != 'INBOX':
        ok(M.create('"%s"' % args[0]))
    uids = {}
    for subject in args[1:]:
        data = ok(M.append('"%s"' % args[0], None, None, message(subject)))
        uids[subject] = int(re.search(rb'APPENDUID \d+ (\d+)', data[0]).group(1))
    data = ok(M.status('"%s"' % args[0], '(UIDVALIDITY)'))
    print(json.dumps({'uidvalidity': int(re.search(rb'UIDVALIDITY (\d+)', data[0]).group(1)), 'uids': uids}))
elif command == 'delete-flag':
    ok(M.select('"%s"' % args[0]))
    ok(M.uid('STORE', args[1], '+FLAGS', '(\\Deleted)'))
elif command == 'create':
    ok(M.create('"%s"' % args[0]))
elif command == 'uidvalidity':
    data = ok(M.status('"%s"' % args[0], '(UIDVALIDITY)'))
    print(re.search(rb'UIDVALIDITY (\d+)', data[0]).group(1).decode())
else:
    sys.exit('unknown command ' + command)
M.logout()
