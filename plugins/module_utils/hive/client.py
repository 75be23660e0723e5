# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Hive Metastore (HMS) connection layer: Thrift calls with the client PyIceberg ships.

PyIceberg's wheel carries the generated HMS Thrift client (the top-level ``hive_metastore`` package); the
``thrift`` runtime it needs is PyIceberg's ``hive`` extra (requirements.txt: ``pyiceberg[...,hive]``). Both imports
are guarded: without them a caller gets one line naming the package to install.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

THRIFT_IMPORT_ERROR = None
try:
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport
    from hive_metastore.ThriftHiveMetastore import Client
except ImportError:
    THRIFT_IMPORT_ERROR = traceback.format_exc()

HIVE_REQUIREMENT = 'pyiceberg[hive] (the thrift package and the Hive Metastore client PyIceberg ships)'


class MetastoreError(LakehouseError):
    """A Hive Metastore that cannot be reached or a URI that does not name one (one line, with the fix)."""


def parse_thrift_uri(uri, default_port=9083):
    """(host, port) of thrift://host:port (the default port of HMS is 9083; default_port=None: the port is required,
    as PyIceberg's Hive client needs it)."""
    match = re.match(r'^thrift://(\[[^\]]+\]|[^:/\[\]]+)(?::(\d+))?/?$', uri or '')
    if not match or (default_port is None and not match.group(2)):
        raise MetastoreError('%r is not a Hive Metastore URI; use thrift://HOST:PORT, for example '
                             'thrift://127.0.0.1:9083.' % (uri,))
    return match.group(1).strip('[]'), int(match.group(2) or default_port)


class MetastoreClient(object):
    """One Thrift connection to a metastore; use as a context manager."""

    def __init__(self, uri, timeout=10.0):
        if THRIFT_IMPORT_ERROR:
            raise MetastoreError('The Hive Metastore client needs %s; install it (pip install -r requirements.txt).'
                                 % HIVE_REQUIREMENT)
        self.uri = uri
        self.host, self.port = parse_thrift_uri(uri)
        sock = TSocket.TSocket(self.host, self.port)
        sock.setTimeout(int(timeout * 1000))
        self._transport = TTransport.TBufferedTransport(sock)
        self.client = Client(TBinaryProtocol.TBinaryProtocol(self._transport))

    def __enter__(self):
        try:
            self._transport.open()
        except Exception as exc:
            raise MetastoreError(describe_connection_error(exc, self.uri))
        return self.client

    def __exit__(self, *exc_info):
        self._transport.close()


def describe_connection_error(exc, uri):
    text = ' '.join(str(exc).split()) or exc.__class__.__name__
    return ('could not connect to the Hive Metastore at %s (%s); check the URI (thrift://HOST:PORT) and that the '
            'metastore runs (local_stack with the hive_metastore service).' % (uri, text))


def list_databases(uri, timeout=10.0):
    """The metastore's database names (get_all_databases): the health call."""
    with MetastoreClient(uri, timeout=timeout) as client:
        return client.get_all_databases()
