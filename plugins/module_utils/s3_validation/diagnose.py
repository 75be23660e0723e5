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
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import FAIL, REMEDY_BY_CODE, WHEN_REQUIRED, CheckOutcome


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


# -- remedies that follow from what a check observed ------------------------------------------------------------
def _is_not_implemented(text):
    text = text or ''
    return ('NotImplemented' in text or 'NOT_IMPLEMENTED' in text or re.search(r'\b501\b', text) is not None)


def worker_remedy(err, mode, checksum_remedy):
    """The remedy of a failed pyarrow/PyIceberg operation (parquet, iceberg checks), from its error text.

    The checksum setting is named only when the error is the one it causes (411 MissingContentLength)."""
    err = err or ''
    if 'MissingContentLength' in err or re.search(r'\b411\b', err):
        return checksum_remedy
    if _is_not_implemented(err):
        what = 'multipart uploads' if 'ultipart' in err or 'UploadPart' in err else 'a request pyarrow sends'
        return ('the endpoint answered 501 Not Implemented to %s: PyIceberg/pyarrow write files with multipart '
                'uploads, so the gateway (or a proxy in front of it) must allow CreateMultipartUpload/UploadPart/'
                'CompleteMultipartUpload; the checksum settings do not change this' % what)
    if 'AccessDenied' in err or 'ACCESS_DENIED' in err or re.search(r'\b403\b', err):
        return 'the endpoint denied the request: check access_key/secret_key and the bucket policy'
    if 'SignatureDoesNotMatch' in err:
        return 'fix secret_key (or the region) of the S3 connection'
    if 'NoSuchBucket' in err or 'NO_SUCH_BUCKET' in err:
        return 'the bucket does not exist (any more): create it first (dataplatform.lakehouse.s3_bucket)'
    if mode == WHEN_REQUIRED:
        return 'see detail and the gateway log (checksums were already when_required)'
    return 'see detail and the gateway log for the failing request'


def listing_remedy(expected, listed, pages, page_size=1000):
    """(observation, remedy) of a ListObjectsV2 pagination that did not return every key."""
    if listed and listed % page_size == 0 and listed < expected:
        observed = ('the listing stopped after %d keys (%d full page(s) of %d) of %d: the last page was not marked '
                    'truncated or its continuation token was not honoured' % (listed, pages, page_size, expected))
        remedy = ('likely causes: a proxy, load balancer or gateway in front of RGW that drops or rewrites '
                  'IsTruncated/NextContinuationToken (or the continuation-token query parameter); list through the '
                  'gateway directly to tell; less likely an inconsistent bucket index (radosgw-admin bucket check)')
    elif listed > expected:
        observed = 'the listing returned %d keys for %d written (duplicates or foreign keys)' % (listed, expected)
        remedy = ('likely causes: a continuation token that restarts the listing (a proxy rewriting it) or a '
                  'bucket index with stale entries (radosgw-admin bucket check --fix)')
    else:
        observed = 'the listing returned %d of %d keys in %d page(s)' % (listed, expected, pages)
        remedy = ('likely causes: objects not yet visible in the bucket index (radosgw-admin bucket check) or a '
                  'proxy in front of the gateway truncating responses; Iceberg maintenance lists large prefixes')
    return observed, remedy


def delete_batch_remedy(size, error_codes):
    """The remedy of a DeleteObjects batch that was refused or reported per-key errors (codes as the endpoint sent)."""
    codes = set(c for c in error_codes if c)
    if codes & {'AccessDenied', '403'}:
        return 'grant the user s3:DeleteObject on the bucket (bucket policy / owner) or use the owner\'s keys'
    if codes & {'MalformedXML', 'InvalidArgument', 'InvalidRequest', 'EntityTooLarge', 'TooManyKeys'}:
        return ('the endpoint refused a batch of %d keys: raise its limit (RGW: rgw_delete_multi_obj_max_num, '
                'default 1000) or any proxy request-body limit; Iceberg Java deletes in batches of 250, S3 allows 1000'
                % size)
    if codes & {'NotImplemented', '501'}:
        return ('the endpoint (or a proxy in front of it) does not implement DeleteObjects (POST ?delete): enable '
                'it: Iceberg maintenance deletes files in batches')
    if codes & {'MissingContentMD5', 'InvalidDigest', 'BadDigest', 'XAmzContentSHA256Mismatch'}:
        return ('the endpoint wants another integrity header on DeleteObjects (%s): use the checksum settings '
                'ceph_s3_validate recommends (request_checksum_calculation)' % ', '.join(sorted(codes)))
    if codes & {'SlowDown', 'ServiceUnavailable', '503'}:
        return 'the endpoint is throttling (SlowDown/503): lower the delete concurrency or raise the gateway limits'
    return 'the endpoint answered %s: see the gateway log for the DeleteObjects request' % (
        ', '.join(sorted(codes)) or 'without an error code')
