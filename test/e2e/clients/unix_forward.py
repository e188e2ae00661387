"""Runs a Dask check in a container with no network at all (--network none): the only way out is
a Unix socket that the test forwards to the scheduler's published port on the host. So the
scheduler answers at 127.0.0.1:PORT while the workers' own addresses cannot be reached, as on a
laptop whose Docker runs in a VM.   usage: unix_forward.py SOCKET PORT SCRIPT ARGS..."""
import runpy
import socket
import sys
import threading

sock_path, port, script = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listener):
    while True:
        conn, _ = listener.accept()
        up = socket.socket(socket.AF_UNIX)
        up.connect(sock_path)
        threading.Thread(target=pipe, args=(conn, up), daemon=True).start()
        threading.Thread(target=pipe, args=(up, conn), daemon=True).start()


listener = socket.create_server(("127.0.0.1", port))
threading.Thread(target=serve, args=(listener,), daemon=True).start()
sys.argv = [script, *sys.argv[4:]]
runpy.run_path(script, run_name="__main__")
