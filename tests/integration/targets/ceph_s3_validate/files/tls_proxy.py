"""A throwaway TLS-terminating TCP proxy on 127.0.0.1 (test helper of the ceph_s3_validate target).

    tls_proxy.py --cert C --key K --upstream 127.0.0.1:7480 [--port 0] [--port-file F] [--lifetime 600]

Listens with TLS on 127.0.0.1 (port 0 = a free port, written to --port-file), forwards the decrypted bytes to the
upstream plain-HTTP endpoint. Used to put HTTPS in front of RGW or moto (the SDKs' checksum behaviour differs over
HTTPS) and to provoke a TLS verification failure with a self-signed certificate. Exits after --lifetime seconds so
that a forgotten proxy does not linger.
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time


def pipe(src, dst):
    try:
        while True:
            data = src.recv(262144)
            if not data:
                break
            dst.sendall(data)
    except (OSError, ssl.SSLError):
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(client, ctx, upstream):
    try:
        tls = ctx.wrap_socket(client, server_side=True)
    except (OSError, ssl.SSLError):
        client.close()
        return
    try:
        up = socket.create_connection(upstream, timeout=10)
        up.settimeout(None)
        up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        tls.close()
        return
    tls.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = threading.Thread(target=pipe, args=(up, tls), daemon=True)
    t.start()
    pipe(tls, up)
    t.join(5)
    tls.close()
    up.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cert', required=True)
    ap.add_argument('--key', required=True)
    ap.add_argument('--upstream', required=True, help='host:port of the plain HTTP endpoint')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--lifetime', type=float, default=600)
    args = ap.parse_args()
    host, port = args.upstream.rsplit(':', 1)
    upstream = (host, int(port))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', args.port))
    srv.listen(64)
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % srv.getsockname()[1])
        os.rename(tmp, args.port_file)
    deadline = time.time() + args.lifetime
    srv.settimeout(1.0)
    while time.time() < deadline:
        try:
            client, _addr = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(client, ctx, upstream), daemon=True).start()
    srv.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
