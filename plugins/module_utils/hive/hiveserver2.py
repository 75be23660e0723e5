# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A HiveServer2 session check: OpenSession and CloseSession of TCLIService over SASL PLAIN, what beeline's JDBC
driver does first (hive.server2.authentication NONE still frames the transport with SASL PLAIN).

Only the two calls the local stack's health check needs, encoded with the thrift runtime's TBinaryProtocol (the
``thrift`` package of PyIceberg's ``hive`` extra; guarded import): the generated TCLIService client is not shipped by
any package the collection requires, and the two structs are small.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct
import traceback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

THRIFT_IMPORT_ERROR = None
try:
    from thrift.Thrift import TMessageType, TType
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TTransport
except ImportError:
    THRIFT_IMPORT_ERROR = traceback.format_exc()

# TProtocolVersion HIVE_CLI_SERVICE_PROTOCOL_V10, what beeline 2.3.9 (the pyspark wheel's) sends.
PROTOCOL_V10 = 9
# SASL negotiation status bytes (org.apache.thrift.transport.TSaslTransport.NegotiationStatus).
SASL_START, SASL_OK, SASL_BAD, SASL_ERROR, SASL_COMPLETE = 1, 2, 3, 4, 5
SUCCESS_CODES = (0, 1)  # TStatusCode SUCCESS_STATUS, SUCCESS_WITH_INFO_STATUS


class HiveServer2Error(LakehouseError):
    """A HiveServer2 endpoint that does not answer a session (one line)."""


def _write_struct(proto, fields):
    """fields: [(id, TType, value)], a struct value being such a list again, strings as bytes."""
    proto.writeStructBegin('s')
    for fid, ttype, value in fields:
        if value is None:
            continue
        proto.writeFieldBegin('f', ttype, fid)
        if ttype == TType.I32:
            proto.writeI32(value)
        elif ttype == TType.STRING:
            proto.writeBinary(value)
        elif ttype == TType.STRUCT:
            _write_struct(proto, value)
        proto.writeFieldEnd()
    proto.writeFieldStop()
    proto.writeStructEnd()


def _read_struct(proto):
    """{field id: value} of a struct: nested structs as dicts, i32 and strings (bytes) kept, the rest skipped."""
    out = {}
    proto.readStructBegin()
    while True:
        dummy, ttype, fid = proto.readFieldBegin()
        if ttype == TType.STOP:
            break
        if ttype == TType.STRUCT:
            out[fid] = _read_struct(proto)
        elif ttype == TType.I32:
            out[fid] = proto.readI32()
        elif ttype == TType.STRING:
            out[fid] = proto.readBinary()
        else:
            proto.skip(ttype)
        proto.readFieldEnd()
    proto.readStructEnd()
    return out


def encode_call(name, seqid, args):
    buf = TTransport.TMemoryBuffer()
    proto = TBinaryProtocol.TBinaryProtocol(buf)
    proto.writeMessageBegin(name, TMessageType.CALL, seqid)
    _write_struct(proto, args)
    proto.writeMessageEnd()
    return buf.getvalue()


def decode_reply(data):
    """The result struct's success value ({field id: value}) of a reply, or HiveServer2Error."""
    proto = TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(data))
    name, mtype, dummy = proto.readMessageBegin()
    if mtype == TMessageType.EXCEPTION:
        error = _read_struct(proto)
        raise HiveServer2Error('%s refused: %s' % (name, (error.get(1) or b'').decode('utf-8', 'replace')))
    result = _read_struct(proto)
    return result.get(0) or {}


def status_problem(response):
    """The error of a TStatus (field 1 of every TCLIService response), or None when it succeeded."""
    status = response.get(1) or {}
    if status.get(1) in SUCCESS_CODES:
        return None
    return (status.get(5) or b'no error message').decode('utf-8', 'replace')


class _Connection(object):
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)

    def _recv(self, size):
        data = b''
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise HiveServer2Error('the server closed the connection')
            data += chunk
        return data

    def sasl_plain(self, user, password):
        for status, payload in ((SASL_START, b'PLAIN'), (SASL_OK, b'\0' + user + b'\0' + password)):
            self.sock.sendall(struct.pack('>BI', status, len(payload)) + payload)
        status, length = struct.unpack('>BI', self._recv(5))
        message = self._recv(length) if length else b''
        if status != SASL_COMPLETE:
            raise HiveServer2Error('SASL PLAIN was refused (status %d: %s)' % (status, message.decode('utf-8', 'replace')))

    def call(self, name, seqid, args):
        data = encode_call(name, seqid, args)
        self.sock.sendall(struct.pack('>I', len(data)) + data)
        length, = struct.unpack('>I', self._recv(4))
        return decode_reply(self._recv(length))

    def close(self):
        self.sock.close()


# Not a credential: the stack's Thrift Server runs with authentication NONE, which takes any user and password, but
# the PLAIN SASL exchange (what beeline does too) needs a non-empty password to send.
ANONYMOUS_PLAIN_PASSWORD = 'anonymous'  # nosec


def open_and_close_session(host, port, user='anonymous', password=None, timeout=10.0):
    """Open a HiveServer2 session and close it; returns the server's protocol version. Raises HiveServer2Error
    (or socket.error when nothing listens). Without a password: ANONYMOUS_PLAIN_PASSWORD (authentication NONE)."""
    password = ANONYMOUS_PLAIN_PASSWORD if password is None else password
    if THRIFT_IMPORT_ERROR:
        raise HiveServer2Error('The HiveServer2 check needs the thrift package (pyiceberg[hive], requirements.txt).')
    conn = _Connection(host, port, timeout)
    try:
        conn.sasl_plain(user.encode('utf-8'), password.encode('utf-8'))
        opened = conn.call('OpenSession', 1, [(1, TType.STRUCT, [
            (1, TType.I32, PROTOCOL_V10), (2, TType.STRING, user.encode('utf-8')),
            (3, TType.STRING, password.encode('utf-8'))])])
        problem = status_problem(opened)
        if problem:
            raise HiveServer2Error('OpenSession failed: %s' % problem)
        handle = (opened.get(3) or {}).get(1) or {}
        closed = conn.call('CloseSession', 2, [(1, TType.STRUCT, [(1, TType.STRUCT, [(1, TType.STRUCT, [
            (1, TType.STRING, handle.get(1)), (2, TType.STRING, handle.get(2))])])])])
        problem = status_problem(closed)
        if problem:
            raise HiveServer2Error('CloseSession failed: %s' % problem)
        return opened.get(2)
    finally:
        conn.close()
