# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper of the local_stack target: listen on 127.0.0.1:<port>... (accepting nothing) until killed or
--lifetime seconds pass.

Writes its PID to --ready-file once every port is bound, so the caller knows the ports are taken; exits with
status 1 and a message when a port is already in use. The lifetime bounds a helper that a crashed test run
forgot to kill.
"""

import argparse
import os
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('ports', type=int, nargs='+')
    parser.add_argument('--ready-file', required=True)
    parser.add_argument('--lifetime', type=float, default=900)
    args = parser.parse_args()
    sockets = []
    for port in args.ports:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(('127.0.0.1', port))
        except OSError as exc:
            sys.exit('hold_ports: cannot bind 127.0.0.1:%d: %s' % (port, exc.strerror))
        sock.listen(1)
        sockets.append(sock)
    with open(args.ready_file + '.tmp', 'w') as handle:
        handle.write('%d\n' % os.getpid())
    os.rename(args.ready_file + '.tmp', args.ready_file)
    time.sleep(args.lifetime)


if __name__ == '__main__':
    main()
