#!/usr/bin/env python3
"""A misbehaving server on loopback, for the client cmdlets' error tests.

    fake_server.py PORTFILE silent          accept, never greet (timeouts)
    fake_server.py PORTFILE imap-close-on W  a minimal IMAP server that logs anyone in, opens
                                             any folder (empty but for 3 messages), and drops
                                             the connection when a command contains W
                                             (e.g. FETCH): "the server closed mid-command";
                                             SEARCH finds all 3
    fake_server.py PORTFILE pop3-close-on W  a minimal POP3 server (USER/PASS, CAPA, STAT, LIST,
                                             UIDL, TOP, RETR, NOOP, QUIT; 2 canned messages) that
                                             drops the connection when a command contains W
                                             (e.g. RETR)
    fake_server.py PORTFILE imap-tls CERT KEY  the IMAP server above behind implicit TLS with the
                                             certificate CERT (PEM) and its key KEY
    fake_server.py PORTFILE imap-vanished W  the IMAP server above, whose LIST shows INBOX,
                                             Archive and W, and whose STATUS of W says NO
                                             (a folder deleted between LIST and STATUS)

Listens on a free port, writes it to PORTFILE, serves until killed; at most 5 minutes.
"""
import os, socket, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loopback_listener import serve_forever

portfile, mode = sys.argv[1], sys.argv[2]
trigger = sys.argv[3].upper() if len(sys.argv) > 3 else None

def imap(conn):
    f = conn.makefile('rwb', buffering=0)
    f.write(b'* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n')
    while True:
        line = f.readline()
        if not line:
            return
        text = line.decode('latin-1').rstrip('\r\n')
        tag, _, rest = text.partition(' ')
        command = rest.upper()
        if trigger and trigger in command and mode not in ('imap-vanished', 'imap-tls'):
            conn.shutdown(socket.SHUT_RDWR)
            return
        if command.startswith('AUTHENTICATE') and len(rest.split(' ')) == 2:
            f.write(b'+ \r\n'); f.readline()
        if command.startswith('CAPABILITY'):
            f.write(b'* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n')
        elif command.startswith(('SELECT', 'EXAMINE')):
            f.write(b'* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT 4] ok\r\n* FLAGS (\\Seen)\r\n')
            # Without the access code a client takes the folder as not opened.
            access = b'[READ-ONLY] ' if command.startswith('EXAMINE') else b'[READ-WRITE] '
            f.write(tag.encode() + b' OK ' + access + b'done\r\n')
            continue
        elif 'SEARCH' in command:
            f.write(b'* SEARCH 1 2 3\r\n')
        elif command.startswith(('LIST', 'LSUB')) and mode == 'imap-vanished':
            verb = command.split(' ')[0].encode()
            if command.endswith('"" ""'):
                f.write(b'* ' + verb + b' (\\Noselect) "." ""\r\n')
            else:
                for name in (b'INBOX', b'Archive', sys.argv[3].encode()):
                    f.write(b'* ' + verb + b' (\\HasNoChildren) "." ' + name + b'\r\n')
        elif command.startswith('STATUS') and mode == 'imap-vanished':
            name = rest.split(' ')[1].strip('"')
            if name.upper() == trigger:
                f.write(tag.encode() + b' NO Mailbox doesn\'t exist: ' + name.encode() + b'\r\n')
                continue
            f.write(b'* STATUS ' + name.encode() + b' (MESSAGES 3 UNSEEN 1 RECENT 0 UIDNEXT 4 UIDVALIDITY 1)\r\n')
        elif command.startswith('LIST'):
            f.write(b'* LIST () "." INBOX\r\n')
        elif command.startswith('LOGOUT'):
            f.write(b'* BYE\r\n' + tag.encode() + b' OK\r\n'); return
        f.write(tag.encode() + b' OK done\r\n')

POP3_MESSAGES = [
    b'From: a@example.com\r\nSubject: fake %d\r\nMessage-ID: <fake-%d@example.com>\r\n\r\nbody %d\r\n' % (n, n, n)
    for n in (1, 2)
]

def pop3(conn):
    f = conn.makefile('rwb', buffering=0)
    f.write(b'+OK fake POP3 ready\r\n')
    def multi(lines):
        f.write(b'+OK\r\n' + b''.join(l + b'\r\n' for l in lines) + b'.\r\n')
    while True:
        line = f.readline()
        if not line:
            return
        text = line.decode('latin-1').rstrip('\r\n')
        command = text.upper()
        if trigger and trigger in command:
            conn.shutdown(socket.SHUT_RDWR)
            return
        verb, _, rest = command.partition(' ')
        args = rest.split()
        if verb == 'CAPA':
            multi([b'USER', b'UIDL', b'TOP'])
        elif verb in ('USER', 'PASS', 'NOOP', 'RSET', 'DELE'):
            f.write(b'+OK\r\n')
        elif verb == 'STAT':
            f.write(b'+OK %d %d\r\n' % (len(POP3_MESSAGES), sum(map(len, POP3_MESSAGES))))
        elif verb == 'LIST' and not args:
            multi([b'%d %d' % (i + 1, len(m)) for i, m in enumerate(POP3_MESSAGES)])
        elif verb == 'UIDL' and not args:
            multi([b'%d fake-uid-%d' % (i + 1, i + 1) for i in range(len(POP3_MESSAGES))])
        elif verb in ('RETR', 'TOP') and args and args[0].isdigit() and 1 <= int(args[0]) <= len(POP3_MESSAGES):
            message = POP3_MESSAGES[int(args[0]) - 1]
            if verb == 'TOP':
                message = message.split(b'\r\n\r\n', 1)[0] + b'\r\n'
            multi(message.rstrip(b'\r\n').split(b'\r\n'))
        elif verb == 'QUIT':
            f.write(b'+OK bye\r\n'); return
        else:
            f.write(b'-ERR not in this fake\r\n')

def serve(conn):
    try:
        if mode == 'imap-tls':
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            conn.settimeout(30)
            try:
                conn = context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused the certificate: that is what the tests look at
            imap(conn)
        elif mode == 'silent':
            time.sleep(300)
        elif mode == 'pop3-close-on':
            pop3(conn)
        else:
            imap(conn)
    except OSError:
        pass
    finally:
        conn.close()

serve_forever(portfile, lambda conn, number: serve(conn))
