"""The listening half shared by the fake servers in this folder (fake_server.py, fake_smtp.py).

serve_forever(portfile, handle) listens on a free loopback port, writes the port to portfile,
and runs handle(conn, number) in a thread per connection (number counts from 1), closing the
connection afterwards. It stops accepting after 5 minutes, so a forgotten fake cannot linger.
"""
import socket, threading, time

def serve_forever(portfile, handle, lifetime=300):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    with open(portfile, 'w') as out:
        out.write(str(listener.getsockname()[1]))
    listener.settimeout(1)
    deadline = time.time() + lifetime
    number = 0
    while time.time() < deadline:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        number += 1
        threading.Thread(target=_run, args=(handle, conn, number), daemon=True).start()

def _run(handle, conn, number):
    try:
        handle(conn, number)
    except OSError:
        pass  # the client went away: nothing to report
    finally:
        conn.close()
