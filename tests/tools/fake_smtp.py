#!/usr/bin/env python3
"""A scripted SMTP server on loopback, for Send-SmtpMessage's retry tests.

    fake_smtp.py PORTFILE LOGFILE [RULE ...]

RULE is STAGE:CODE:COUNT or STAGE:CODE:COUNT:close. STAGE is greet, mail, data (the reply
after the message data) or rcpt=ADDRESS. The first COUNT times a stage is reached (over all
connections) it answers CODE instead of going on; with ':close' it then drops the connection.
CODE 0 drops the connection without a word (a server dying mid-command).
Example: mail:451:1 answers the first MAIL FROM with 451 and the second with 250.

LOGFILE gets one JSON line per connection ({"conn": N}) and per message taken
({"conn": N, "from": ..., "to": [...], "rcpt_lines": [...], "data": ...}).
Listens on a free port, writes it to PORTFILE, serves until killed; at most 5 minutes.
"""
import json, os, socket, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback_listener import serve_forever

portfile, logfile = sys.argv[1], sys.argv[2]
rules = {}
for spec in sys.argv[3:]:
    parts = spec.split(':')
    rules[parts[0].lower()] = {'code': int(parts[1]), 'left': int(parts[2]), 'close': len(parts) > 3 and parts[3] == 'close'}
lock = threading.Lock()

def log(entry):
    with lock, open(logfile, 'a') as out:
        out.write(json.dumps(entry) + '\n')

def rule(stage):
    """The rule that fires now for a stage, or None."""
    with lock:
        r = rules.get(stage)
        if r and r['left'] > 0:
            r['left'] -= 1
            return r
    return None

def serve(conn, number):
    f = conn.makefile('rwb', buffering=0)
    def reply(text):
        f.write(text.encode() + b'\r\n')
    r = rule('greet')
    if r:
        if r['code'] == 0:
            return
        reply(f"{r['code']} fake.test busy, try later")
        return
    reply('220 fake.test ESMTP scripted')
    sender, recipients, rcpt_lines = None, [], []
    while True:
        line = f.readline()
        if not line:
            return
        text = line.decode('latin-1').rstrip('\r\n')
        verb = text.split(' ', 1)[0].upper()
        if verb == 'EHLO':
            reply('250-fake.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-DSN\r\n250 ENHANCEDSTATUSCODES')
        elif verb == 'HELO':
            reply('250 fake.test')
        elif verb == 'MAIL':
            r = rule('mail')
            if r:
                if r['code'] == 0:
                    return
                reply(f"{r['code']} 4.3.0 scripted failure of MAIL")
                if r['close']:
                    return
                continue
            sender, recipients, rcpt_lines = text[10:].strip().split(' ')[0].strip('<>'), [], []
            reply('250 2.1.0 Ok')
        elif verb == 'RCPT':
            address = text[8:].strip().split(' ')[0].strip('<>')
            if sender is None:
                reply('503 5.5.1 MAIL first')
                continue
            r = rule('rcpt=' + address.lower())
            if r:
                if r['code'] == 0:
                    return
                reply(f"{r['code']} 4.2.1 scripted refusal of {address}")
                if r['close']:
                    return
                continue
            recipients.append(address)
            rcpt_lines.append(text)
            reply('250 2.1.5 Ok')
        elif verb == 'DATA':
            if not recipients:
                reply('503 5.5.1 No valid recipients')
                continue
            reply('354 End data with <CR><LF>.<CR><LF>')
            data = []
            while True:
                chunk = f.readline()
                if not chunk or chunk in (b'.\r\n', b'.\n'):
                    break
                data.append(chunk[1:] if chunk.startswith(b'..') else chunk)
            r = rule('data')
            if r:
                if r['code'] == 0:
                    return
                reply(f"{r['code']} 4.3.0 scripted failure after DATA")
                sender, recipients = None, []
                if r['close']:
                    return
                continue
            log({'conn': number, 'from': sender, 'to': recipients, 'rcpt_lines': rcpt_lines, 'data': b''.join(data).decode('latin-1')})
            reply('250 2.0.0 Ok: queued as FAKE%d' % number)
            sender, recipients = None, []
        elif verb == 'RSET':
            sender, recipients = None, []
            reply('250 2.0.0 Ok')
        elif verb == 'NOOP':
            reply('250 2.0.0 Ok')
        elif verb == 'QUIT':
            reply('221 2.0.0 Bye')
            return
        else:
            reply('502 5.5.2 Command not recognized')

def handle(conn, number):
    log({'conn': number})
    serve(conn, number)

serve_forever(portfile, handle)
