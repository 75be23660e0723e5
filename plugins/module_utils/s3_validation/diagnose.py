# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One-line diagnoses of what went wrong: the server product, connection errors, S3 errors as check outcomes,
SDK errors shortened and grouped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import socket
import ssl

try:
    from http import client as http_client
    from urllib.parse import urlsplit
    from urllib.error import HTTPError, URLError
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    http_client = urlsplit = HTTPError = URLError = None

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import EndpointConnectionError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import SSLError as BotoSSLError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error, error_code
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import FAIL, REMEDY_BY_CODE, CheckOutcome


def identify_server(headers):
    """Guess the S3 implementation from response headers (dict-like, case-insensitive keys)."""
    h = dict((k.lower(), v) for k, v in (headers or {}).items())
    server = h.get('server', '') or ''
    request_id = h.get('x-amz-request-id', '') or h.get('x-amzn-requestid', '') or ''
    if 'ceph' in server.lower() or re.match(r'^tx[0-9a-f]{21}-[0-9a-f]{10}-[0-9a-f]+-', request_id):
        product = 'ceph-rgw'
    elif 'minio' in server.lower():
        product = 'minio'
    elif 'werkzeug' in server.lower() or ('amazon.com' in server.lower() and 'x-amzn-requestid' in h):
        product = 'moto'
    elif server == 'AmazonS3':
        product = 'aws-s3'
    elif 'seaweed' in server.lower():
        product = 'seaweedfs'
    elif 'garage' in server.lower():
        product = 'garage'
    else:
        product = 'unknown'
    return dict(product=product, server_header=server or None, request_id=request_id or None)


def describe_connect_error(exc, endpoint_url, timeout=None):
    """Map a low-level connection error (socket/ssl/http.client/urllib) to (detail, remedy), one line each."""
    if URLError is not None and isinstance(exc, URLError) and not isinstance(exc, HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    text = one_line(exc, 200)
    scheme = urlsplit(endpoint_url).scheme if urlsplit else ''
    tls_remedy = ('set ca_bundle to the PEM file of the CA that signed the endpoint certificate '
                  '(or validate_certs=false for a throwaway test endpoint)')
    if isinstance(exc, ssl.SSLCertVerificationError) or 'CERTIFICATE_VERIFY_FAILED' in text:
        return ('TLS certificate of %s could not be verified (%s)' % (endpoint_url, text), tls_remedy)
    if isinstance(exc, ssl.SSLError):
        if any(s in text for s in ('WRONG_VERSION_NUMBER', 'wrong version number', 'record layer failure',
                                   'PACKET_LENGTH_TOO_LONG', 'packet length too long', 'UNKNOWN_PROTOCOL')):
            return ('%s does not speak TLS (%s)' % (endpoint_url, text),
                    'use http:// in endpoint_url, or point it at the TLS listener of the gateway')
        return ('TLS handshake with %s failed (%s)' % (endpoint_url, text),
                tls_remedy + '; check that the certificate matches the host name in endpoint_url')
    if isinstance(exc, ConnectionRefusedError):
        return ('could not connect to %s (connection refused)' % endpoint_url,
                'check endpoint_url and that the gateway (radosgw) is running and listening on that address/port')
    if isinstance(exc, socket.gaierror):
        return ('could not resolve the host of %s (%s)' % (endpoint_url, text),
                'check the host name in endpoint_url and DNS')
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ('no answer from %s within %ss' % (endpoint_url, timeout),
                'check that the endpoint is reachable (firewall, address) or raise connect_timeout/read_timeout')
    if http_client is not None and isinstance(exc, (http_client.RemoteDisconnected, http_client.BadStatusLine,
                                                    ConnectionResetError)):
        hint = ('the port may expect TLS: use https://' if scheme == 'http'
                else 'check that endpoint_url points at an S3 gateway')
        return ('%s closed the connection without an HTTP answer (%s)' % (endpoint_url, text), hint)
    if isinstance(exc, OSError):
        return ('could not connect to %s (%s)' % (endpoint_url, text),
                'check endpoint_url and that the gateway is reachable from this host')
    return ('request to %s failed (%s)' % (endpoint_url, text), 'check endpoint_url and the gateway logs')


def s3_error_outcome(exc, endpoint_url, action, status=FAIL, remedy=None):
    """A CheckOutcome for a boto3 error, with the shared one-line description and a remedy."""
    code = error_code(exc)
    if remedy is None:
        if code in REMEDY_BY_CODE:
            remedy = REMEDY_BY_CODE[code]
        elif BotoSSLError is not Exception and isinstance(exc, BotoSSLError):
            remedy = 'set ca_bundle to the CA that signed the endpoint certificate (or validate_certs=false)'
        elif EndpointConnectionError is not Exception and isinstance(exc, EndpointConnectionError):
            remedy = 'check endpoint_url and that the gateway is running'
        else:
            remedy = 'see the gateway log for the request (radosgw log, debug_rgw=20)'
    return CheckOutcome(status, one_line(describe_s3_error(exc, endpoint_url, action), 400), remedy,
                        data={'error_code': code} if code else {})


def short_error(err):
    """The telling part of an SDK error: 'HTTP 411 MissingContentLength' when it can be found."""
    text = '%s' % (err,)
    status = re.search(r'(?:HTTP status |failed with )(\d{3})', text)
    code = re.search(r'(?:ExceptionName: |\d{3} )([A-Z][A-Za-z]+)', text)
    if status and code:
        return 'HTTP %s %s' % (status.group(1), code.group(1))
    return one_line(text, 160)


def group_failures(failed):
    """{op: error} -> 'op1, op2: HTTP 411 MissingContentLength; op3: ...' (ops with the same error grouped)."""
    groups = {}
    for op, err in sorted(failed.items()):
        groups.setdefault(short_error(err), []).append(op)
    return '; '.join('%s: %s' % (', '.join(ops), err) for err, ops in groups.items())
