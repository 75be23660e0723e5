# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks that tell whether Apache Iceberg will work on an S3 endpoint (Ceph RGW first), and why not.

Used by plugins/modules/ceph_s3_validate.py (thin wrapper) and benchmarks/s3_baseline.py.

Every check produces one result of CHECK_RESULT_SCHEMA:
    {name, status: pass|fail|warn|skip, duration_ms, detail, remedy, required, data}
`required` says whether Iceberg needs the check to pass (a `warn` still counts as usable: it works with the
settings named in `remedy` / recommended_client_config); `data` carries the measured facts.

pyarrow's S3FileSystem (the AWS C++ SDK) reads AWS_REQUEST_CHECKSUM_CALCULATION /
AWS_RESPONSE_CHECKSUM_VALIDATION from the process environment when it is created, so everything that uses
pyarrow or PyIceberg runs in a child interpreter (WORKER_SOURCE) with a controlled environment: the module's own
environment is never modified and the "SDK defaults" run really sees no checksum variables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import io
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import uuid

try:
    from http import client as http_client
    from urllib.parse import urlparse, urlsplit
    from urllib.error import HTTPError, URLError
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    http_client = urlparse = urlsplit = HTTPError = URLError = None

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.urls import open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    s3_client,
    s3_session,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import SSLError as BotoSSLError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import (
    describe_s3_error,
    error_code,
    http_status,
    is_not_found,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.objects import delete_objects, list_objects
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line

try:
    from boto3.s3.transfer import TransferConfig
except ImportError:  # reported through BOTO3_IMPORT_ERROR of the S3 layer
    TransferConfig = None

PASS, FAIL, WARN, SKIP = 'pass', 'fail', 'warn', 'skip'
STATUSES = (PASS, FAIL, WARN, SKIP)

DEFAULTS = 'when_supported'
WHEN_REQUIRED = 'when_required'
CHECKSUM_ENV_VARS = ('AWS_REQUEST_CHECKSUM_CALCULATION', 'AWS_RESPONSE_CHECKSUM_VALIDATION')
MIB = 1024 * 1024
BULK_THREADS = 16  # threads writing the 1250 keys of list_pagination/delete_batch (latency-bound, not CPU-bound)

# ---------------------------------------------------------------------------------------------------------------
# The catalogue of checks. Order = execution order. The checksum checks run early because they decide which
# client settings the later checks use ("all checks pass or warn with the working settings").
#   required: Iceberg needs it (a failure makes compatible=false);  writes: it writes to the endpoint (skipped in
#   check mode);  needs: checks that must have passed/warned before it can run (added automatically).
# ---------------------------------------------------------------------------------------------------------------
CHECKS = (
    ('connectivity', dict(required=True, writes=False, needs=(),
                          doc='TCP/TLS reachability of endpoint_url (unsigned GET /) and server identification.')),
    ('signature_v4', dict(required=True, writes=False, needs=('connectivity',),
                          doc='A SigV4-signed, path-style request (ListBuckets) is accepted.')),
    ('bucket', dict(required=True, writes=False, needs=('signature_v4',),
                    doc='HEAD and LIST of the bucket; creates it when create_bucket=true (the only write).')),
    ('virtual_host', dict(required=False, writes=False, needs=('bucket',),
                          doc='Virtual-hosted-style addressing (informational: Iceberg clients use path-style).')),
    ('checksum_boto3', dict(required=True, writes=True, needs=('bucket',),
                            doc='PutObject/UploadPart/GetObject with botocore checksum defaults and with when_required.')),
    ('checksum_pyarrow', dict(required=True, writes=True, needs=('bucket',),
                              doc="pyarrow S3FileSystem writes/reads with SDK defaults and with "
                                  "AWS_REQUEST_CHECKSUM_CALCULATION=when_required (child processes).")),
    ('bucket_create_delete', dict(required=False, writes=True, needs=('signature_v4',),
                                  doc='Create/HEAD/LIST/DELETE of a scratch bucket (only with create_bucket=true).')),
    ('object_crud', dict(required=True, writes=True, needs=('bucket',),
                         doc='PUT/GET/HEAD/DELETE of objects, exact Content-Length on HEAD, 404s after delete.')),
    ('consistency', dict(required=True, writes=True, needs=('bucket',),
                         doc='Read-after-write (overwrite), list-after-write and list-after-delete.')),
    ('ranged_get', dict(required=True, writes=True, needs=('bucket',),
                        doc='Ranged GETs: bounded, suffix (bytes=-N) and open-ended (bytes=N-).')),
    ('list_pagination', dict(required=True, writes=True, needs=('bucket',),
                             doc='ListObjectsV2 past 1000 keys with continuation tokens, prefix and delimiter.')),
    ('delete_batch', dict(required=True, writes=True, needs=('bucket',),
                          doc='DeleteObjects batches of 250 (Iceberg Java default) and 1000 (S3 maximum).')),
    ('multipart', dict(required=True, writes=True, needs=('bucket',),
                       doc='Multipart upload: one tiny part, parts > 5 MiB, abort; ETag format.')),
    ('presigned', dict(required=False, writes=True, needs=('bucket',),
                       doc='SigV4 presigned PUT and GET URLs.')),
    ('lifecycle', dict(required=False, writes=True, needs=('bucket',),
                       doc='Lifecycle configuration put/get round trip; ensures lifecycle_rules when given '
                           '(then required). Read-only in check mode.')),
    ('parquet', dict(required=True, writes=True, needs=('bucket',),
                     doc='Parquet write/read cycle with pyarrow S3FileSystem (child process).')),
    ('iceberg', dict(required=True, writes=True, needs=('bucket',),
                     doc='PyIceberg SqlCatalog (sqlite, temp dir): create table, append, scan, time travel, '
                         'drop with purge (child process).')),
    ('performance', dict(required=True, writes=True, needs=('bucket',),
                         doc='Latency p50/p95/p99, ops/s and large-object throughput; every small operation '
                             'must finish within baseline.max_op_seconds (the seed threshold: 5 s).')),
)
CHECK_NAMES = tuple(name for name, _spec in CHECKS)
CHECK_SPECS = dict(CHECKS)
# Checks that stay read-only even when not in check mode (lifecycle is read-only only in check mode).
READONLY_CHECKS = tuple(name for name, spec in CHECKS if not spec['writes'])
CHECK_GROUPS = {
    'all': CHECK_NAMES,
    'compatibility': tuple(n for n in CHECK_NAMES if n != 'performance'),
    'required': tuple(n for n, s in CHECKS if s['required']),
    'readonly': READONLY_CHECKS,
}
CHECK_CHOICES = tuple(sorted(CHECK_GROUPS)) + CHECK_NAMES

CHECK_RESULT_SCHEMA = {
    'type': 'object',
    'required': ['name', 'status', 'duration_ms', 'detail', 'remedy'],
    'additionalProperties': False,
    'properties': {
        'name': {'type': 'string', 'enum': list(CHECK_NAMES)},
        'status': {'type': 'string', 'enum': list(STATUSES)},
        'duration_ms': {'type': 'number', 'minimum': 0},
        'detail': {'type': 'string', 'minLength': 1},
        'remedy': {'type': ['string', 'null']},
        'required': {'type': 'boolean'},
        'data': {'type': 'object'},
    },
}

# Remedies by check / error code. Kept short: they end up in one-line failure messages.
REMEDY_CHECKSUM_ENV = ('export AWS_REQUEST_CHECKSUM_CALCULATION=when_required and '
                       'AWS_RESPONSE_CHECKSUM_VALIDATION=when_required for every process that uses pyarrow/PyIceberg '
                       '(set before the S3 filesystem is created), or run a Ceph release with flexible-checksum '
                       'support (aws-chunked trailers, CRC64NVME: ceph/ceph#61878)')
REMEDY_CHECKSUM_BOTO3 = ('configure boto3/botocore clients with request_checksum_calculation=when_required and '
                         'response_checksum_validation=when_required (or the AWS_*_CHECKSUM_* environment variables)')
REMEDY_BY_CODE = {
    'SignatureDoesNotMatch': 'fix secret_key (radosgw-admin user info --uid=<user> shows the keys); also check '
                             'region and that nothing rewrites the Host header',
    'InvalidAccessKeyId': 'fix access_key: the endpoint does not know it (radosgw-admin user info --uid=<user>)',
    'AccessDenied': 'grant the user access to the bucket (bucket policy / owner) or use the owner\'s keys',
    'NoSuchBucket': 'create the bucket first or set create_bucket=true',
    'RequestTimeTooSkewed': 'synchronise the clocks of this host and the gateway (chrony/ntp)',
    'MissingContentLength': REMEDY_CHECKSUM_BOTO3,
    'BucketAlreadyExists': 'choose another bucket name: it exists and belongs to another user',
    'TooManyBuckets': 'raise the user\'s max_buckets (radosgw-admin user modify --max-buckets) or reuse a bucket',
    'InvalidLocationConstraint': 'set region to the RGW zonegroup\'s api_name (us-east-1 for a default zonegroup)',
}


class CheckOutcome(Exception):
    """Raised inside a check to end it with a status other than pass (or pass with data)."""

    def __init__(self, status, detail, remedy=None, data=None):
        super(CheckOutcome, self).__init__(detail)
        self.status = status
        self.detail = detail
        self.remedy = remedy
        self.data = data or {}


# ---------------------------------------------------------------------------------------------------------------
# Pure helpers (unit tested)
# ---------------------------------------------------------------------------------------------------------------
def percentile(values, pct):
    """Percentile with linear interpolation between closest ranks (numpy's default 'linear' method).

    percentile([1..100], 50) == 50.5, 95 -> 95.05, 99 -> 99.01. None for an empty list.
    """
    if not values:
        return None
    data = sorted(values)
    if len(data) == 1:
        return float(data[0])
    if pct <= 0:
        return float(data[0])
    if pct >= 100:
        return float(data[-1])
    rank = (len(data) - 1) * (pct / 100.0)
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (rank - low))


def latency_stats(seconds):
    """Latency statistics in milliseconds for a list of durations in seconds."""
    if not seconds:
        return dict(count=0, min_ms=None, mean_ms=None, p50_ms=None, p95_ms=None, p99_ms=None, max_ms=None)
    ms = [s * 1000.0 for s in seconds]
    return dict(
        count=len(ms),
        min_ms=round(min(ms), 3),
        mean_ms=round(sum(ms) / len(ms), 3),
        p50_ms=round(percentile(ms, 50), 3),
        p95_ms=round(percentile(ms, 95), 3),
        p99_ms=round(percentile(ms, 99), 3),
        max_ms=round(max(ms), 3),
    )


def throughput_mb_s(nbytes, seconds):
    """MB/s with MB = 10**6 bytes (the unit of the reference figures)."""
    if not seconds or seconds <= 0:
        return None
    return round(nbytes / 1e6 / seconds, 2)


def make_result(name, status, duration_ms, detail, remedy=None, required=None, data=None):
    """Build one check result (CHECK_RESULT_SCHEMA)."""
    if name not in CHECK_SPECS:
        raise ValueError('unknown check %r' % (name,))
    if status not in STATUSES:
        raise ValueError('unknown status %r' % (status,))
    return dict(
        name=name,
        status=status,
        duration_ms=round(max(float(duration_ms or 0), 0.0), 1),
        detail=one_line(detail or status, 1000),
        remedy=one_line(remedy, 600) if remedy else None,
        required=bool(CHECK_SPECS[name]['required'] if required is None else required),
        data=data or {},
    )


def validate_result(result):
    """Light schema check without jsonschema (used at runtime). Returns a list of problems."""
    problems = []
    props = CHECK_RESULT_SCHEMA['properties']
    for key in CHECK_RESULT_SCHEMA['required']:
        if key not in result:
            problems.append('missing %s' % key)
    for key in result:
        if key not in props:
            problems.append('unexpected key %s' % key)
    if result.get('status') not in STATUSES:
        problems.append('bad status %r' % (result.get('status'),))
    if not isinstance(result.get('duration_ms'), (int, float)) or result.get('duration_ms') < 0:
        problems.append('bad duration_ms')
    if not isinstance(result.get('detail'), str) or not result.get('detail'):
        problems.append('bad detail')
    if result.get('remedy') is not None and not isinstance(result.get('remedy'), str):
        problems.append('bad remedy')
    return problems


def expand_checks(names):
    """Expand group names ('all', 'compatibility', 'required', 'readonly') into check names, keeping order."""
    wanted = set()
    for name in names or ['all']:
        if name in CHECK_GROUPS:
            wanted.update(CHECK_GROUPS[name])
        elif name in CHECK_SPECS:
            wanted.add(name)
        else:
            raise ValueError('unknown check %r; choose from %s' % (name, ', '.join(CHECK_CHOICES)))
    return [n for n in CHECK_NAMES if n in wanted]


def _with_prerequisites(selected):
    wanted = set(selected)
    changed = True
    while changed:
        changed = False
        for name in list(wanted):
            for need in CHECK_SPECS[name]['needs']:
                if need not in wanted:
                    wanted.add(need)
                    changed = True
    return wanted


def plan_checks(checks=None, skip_checks=None, check_mode=False, create_bucket=False, lifecycle_rules=False):
    """Decide which checks run. Returns an ordered list of (name, reason_to_skip_or_None, implied).

    - lifecycle_rules given: the `lifecycle` check (which ensures them) always runs, whatever the selection,
      because the rules are configuration the caller asked for, not an optional check;

    - group names expand; `skip_checks` removes checks, except prerequisites that a selected check needs
      (connectivity -> signature_v4 -> bucket), which are always added back (implied=True);
    - check mode: checks that write are skipped (nothing is written); lifecycle runs read-only;
    - bucket_create_delete runs only with create_bucket=true (creating buckets is then allowed).
    """
    selected = [n for n in expand_checks(checks) if n not in set(expand_checks(skip_checks) if skip_checks else [])]
    wanted = _with_prerequisites(selected + (['lifecycle'] if lifecycle_rules else []))
    plan = []
    for name in CHECK_NAMES:
        if name not in wanted:
            continue
        implied = name not in selected
        reason = None
        spec = CHECK_SPECS[name]
        if check_mode and spec['writes'] and name != 'lifecycle':
            reason = 'check mode: this check writes to the endpoint, nothing is written in check mode'
        elif name == 'bucket_create_delete' and not create_bucket:
            reason = 'create_bucket is false: the module may not create buckets'
        plan.append((name, reason, implied))
    return plan


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


def rule_to_s3(rule):
    """A lifecycle rule given as data ({id, prefix, enabled, expiration_days, noncurrent_expiration_days,
    abort_incomplete_multipart_days}) -> the boto3 LifecycleConfiguration rule."""
    s3rule = {
        'ID': rule['id'],
        'Filter': {'Prefix': rule.get('prefix') or ''},
        'Status': 'Enabled' if rule.get('enabled', True) in (True, None) else 'Disabled',
    }
    if rule.get('expiration_days'):
        s3rule['Expiration'] = {'Days': int(rule['expiration_days'])}
    if rule.get('noncurrent_expiration_days'):
        s3rule['NoncurrentVersionExpiration'] = {'NoncurrentDays': int(rule['noncurrent_expiration_days'])}
    if rule.get('abort_incomplete_multipart_days'):
        s3rule['AbortIncompleteMultipartUpload'] = {
            'DaysAfterInitiation': int(rule['abort_incomplete_multipart_days'])}
    return s3rule


_KNOWN_RULE_KEYS = ('ID', 'Filter', 'Prefix', 'Status', 'Expiration', 'NoncurrentVersionExpiration',
                    'AbortIncompleteMultipartUpload')


def rule_from_s3(s3rule):
    """Canonical comparable form of a rule read back from S3 (unknown parts kept under 'other')."""
    flt = s3rule.get('Filter')
    prefix = s3rule.get('Prefix')
    other = {}
    if isinstance(flt, dict):
        if set(flt) - {'Prefix'}:
            other['Filter'] = flt
        prefix = flt.get('Prefix', prefix)
    exp = s3rule.get('Expiration') or {}
    if set(exp) - {'Days'}:
        other['Expiration'] = exp
    nce = s3rule.get('NoncurrentVersionExpiration') or {}
    if set(nce) - {'NoncurrentDays'}:
        other['NoncurrentVersionExpiration'] = nce
    for key, value in s3rule.items():
        if key not in _KNOWN_RULE_KEYS:
            other[key] = value
    canon = dict(
        id=s3rule.get('ID'),
        prefix=prefix or '',
        enabled=(s3rule.get('Status') == 'Enabled'),
        expiration_days=exp.get('Days'),
        noncurrent_expiration_days=nce.get('NoncurrentDays'),
        abort_incomplete_multipart_days=(s3rule.get('AbortIncompleteMultipartUpload') or {}).get(
            'DaysAfterInitiation'),
    )
    if other:
        canon['other'] = other
    return canon


def canonical_rule(rule):
    """Canonical form of a rule given as module data (same shape as rule_from_s3)."""
    return rule_from_s3(rule_to_s3(rule))


def _clean_existing_s3_rule(s3rule):
    """A rule read from GetBucketLifecycleConfiguration made valid for PutBucketLifecycleConfiguration."""
    rule = dict(s3rule)
    if 'Filter' in rule and 'Prefix' in rule:
        rule.pop('Prefix')
    if 'Filter' not in rule and 'Prefix' not in rule:
        rule['Filter'] = {'Prefix': ''}
    return rule


def merge_lifecycle_rules(existing_s3_rules, desired_rules):
    """Merge desired rules (module data) into the bucket's rules by rule id.

    Returns (rules_to_put, changed, diff) where diff = {added: [ids], updated: [ids], unchanged: [ids], kept: [ids]}.
    Rules of the bucket whose id is not in desired_rules are kept as they are.
    """
    desired_by_id = dict((r['id'], r) for r in desired_rules)
    diff = dict(added=[], updated=[], unchanged=[], kept=[])
    result = []
    seen = set()
    for s3rule in existing_s3_rules or []:
        rid = s3rule.get('ID')
        if rid in desired_by_id:
            seen.add(rid)
            if rule_from_s3(s3rule) == canonical_rule(desired_by_id[rid]):
                diff['unchanged'].append(rid)
                result.append(_clean_existing_s3_rule(s3rule))
            else:
                diff['updated'].append(rid)
                result.append(rule_to_s3(desired_by_id[rid]))
        else:
            diff['kept'].append(rid)
            result.append(_clean_existing_s3_rule(s3rule))
    for rule in desired_rules:
        if rule['id'] not in seen:
            diff['added'].append(rule['id'])
            result.append(rule_to_s3(rule))
    changed = bool(diff['added'] or diff['updated'])
    return result, changed, diff


def recommended_config(endpoint_url, region, boto3_mode=None, pyarrow_mode=None, virtual_host_ok=None,
                       configured=DEFAULTS, extra_env=None):
    """The client settings later roles should use, derived from the checksum findings.

    boto3_mode / pyarrow_mode: 'when_supported' (SDK defaults work), 'when_required' (needed) or None (not
    measured or nothing worked: the configured value is echoed)."""
    need_required = WHEN_REQUIRED in (boto3_mode, pyarrow_mode)
    env = dict((name, WHEN_REQUIRED) for name in CHECKSUM_ENV_VARS) if need_required else {}
    env.update(extra_env or {})
    boto_value = boto3_mode or configured or DEFAULTS
    return dict(
        signature_version='s3v4',
        addressing_style='path',
        virtual_host_addressing=virtual_host_ok,
        request_checksum_calculation=boto_value,
        response_checksum_validation=boto_value,
        environment=env,
        pyiceberg_properties={
            's3.endpoint': endpoint_url,
            's3.region': region,
            's3.force-virtual-addressing': 'false',
        },
        measured=dict(boto3=boto3_mode is not None, pyarrow=pyarrow_mode is not None),
    )


def failure_message(endpoint_url, results):
    """One line naming the failing required checks with their remedies (None when compatible)."""
    failed = [r for r in results if r['status'] == FAIL and r.get('required')]
    if not failed:
        return None
    parts = []
    for r in failed:
        part = '%s: %s' % (r['name'], one_line(r['detail'], 300))
        if r.get('remedy'):
            part += ' -> remedy: %s' % one_line(r['remedy'], 300)
        parts.append(part)
    return one_line('S3 endpoint %s is not usable for Iceberg: %d required check(s) failed: %s'
                    % (endpoint_url, len(failed), ' | '.join(parts)), 2000)


def summarize(results):
    counts = dict((s, 0) for s in STATUSES)
    for r in results:
        counts[r['status']] += 1
    return counts


# ---------------------------------------------------------------------------------------------------------------
# Child process for pyarrow / PyIceberg (controlled environment, JSON on stdin/stdout; secrets never in argv)
# ---------------------------------------------------------------------------------------------------------------
WORKER_SOURCE = r'''
import hashlib, json, os, re, sys, tempfile, time, traceback
cfg = json.loads(sys.stdin.read())
out = {"python": sys.executable, "env": dict((k, os.environ.get(k)) for k in
       ("AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"))}
def squash(e):
    return re.sub(r"\s+", " ", "%s: %s" % (type(e).__name__, e)).strip()[:500]
try:
    import pyarrow, pyarrow.fs as pafs
    out["pyarrow"] = pyarrow.__version__
except Exception as e:
    out["import_error"] = squash(e)
    print(json.dumps(out)); sys.exit(0)
fs_kwargs = dict(access_key=cfg["access_key"], secret_key=cfg["secret_key"], region=cfg["region"],
                 scheme=cfg["scheme"], endpoint_override=cfg["endpoint_override"],
                 connect_timeout=cfg["connect_timeout"], request_timeout=cfg["read_timeout"],
                 retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=2))
if cfg.get("ca_bundle"):
    fs_kwargs["tls_ca_file_path"] = cfg["ca_bundle"]
def timed(results, name, fn):
    t0 = time.perf_counter()
    try:
        value = fn()
        results[name] = {"ok": True, "ms": round((time.perf_counter() - t0) * 1000, 1)}
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            results[name]["value"] = value
        return value
    except Exception as e:
        results[name] = {"ok": False, "ms": round((time.perf_counter() - t0) * 1000, 1), "error": squash(e)}
        return None
base = cfg["bucket"] + "/" + cfg["prefix"]
try:
    fs = pafs.S3FileSystem(**fs_kwargs)
except Exception as e:
    out["fs_error"] = squash(e)
    print(json.dumps(out)); sys.exit(0)
for task in cfg["tasks"]:
    res = {}
    t_task = time.perf_counter()
    try:
        if task == "checksum":
            small = os.urandom(1024)
            large = os.urandom(6 * 1024 * 1024 + 12345)
            def write(path, data):
                with fs.open_output_stream(path) as f:
                    f.write(data)
            def read(path):
                with fs.open_input_stream(path) as f:
                    return f.read()
            for label, data in (("small", small), ("large", large)):
                path = base + "checksum-" + cfg["label"] + "-" + label + ".bin"
                if timed(res, "write_" + label, lambda: write(path, data)) is None and res["write_" + label]["ok"]:
                    info = timed(res, "info_" + label, lambda: fs.get_file_info(path).size)
                    if info is not None and info != len(data):
                        res["info_" + label] = {"ok": False, "error": "size %s != %s" % (info, len(data))}
                    got = timed(res, "read_" + label, lambda: hashlib.sha256(read(path)).hexdigest())
                    if got is not None and got != hashlib.sha256(data).hexdigest():
                        res["read_" + label] = {"ok": False, "error": "content differs after read-back"}
                    if label == "large":
                        def ranged():
                            with fs.open_input_file(path) as f:
                                return f.read_at(1000, len(data) - 1000)
                        got = timed(res, "ranged_read", ranged)
                        if got is not None and got != data[len(data) - 1000:]:
                            res["ranged_read"] = {"ok": False, "error": "ranged read returned wrong bytes"}
        elif task == "parquet":
            import pyarrow.parquet as pq, pyarrow.compute as pc
            n = int(cfg.get("rows", 200000))
            table = pyarrow.table({"id": pyarrow.array(range(n), pyarrow.int64()),
                                   "value": pyarrow.array([i * 0.5 for i in range(n)], pyarrow.float64()),
                                   "name": pyarrow.array(["row-%d" % (i % 1000) for i in range(n)])})
            path = base + "parquet/data.parquet"
            timed(res, "write", lambda: pq.write_table(table, path, filesystem=fs, compression="snappy"))
            if res["write"]["ok"]:
                res["size_bytes"] = fs.get_file_info(path).size
                back = timed(res, "read", lambda: pq.read_table(path, filesystem=fs))
                if back is not None:
                    if back.num_rows != n or pc.sum(back["id"]).as_py() != n * (n - 1) // 2:
                        res["read"] = {"ok": False, "error": "read back %d rows / wrong sum" % back.num_rows}
                col = timed(res, "read_column", lambda: pq.read_table(path, filesystem=fs, columns=["value"]).num_rows)
                res["rows"] = n
        elif task == "iceberg":
            from pyiceberg.catalog.sql import SqlCatalog
            n = int(cfg.get("rows", 200000))
            with tempfile.TemporaryDirectory(prefix="s3v-iceberg-") as tmp:
                props = {"uri": "sqlite:///%s/catalog.db" % tmp,
                         "warehouse": "s3://%s/%siceberg" % (cfg["bucket"], cfg["prefix"]),
                         "s3.endpoint": cfg["endpoint_url"], "s3.access-key-id": cfg["access_key"],
                         "s3.secret-access-key": cfg["secret_key"], "s3.region": cfg["region"],
                         "s3.connect-timeout": str(cfg["connect_timeout"]),
                         "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO"}
                cat = SqlCatalog("s3v", **props)
                ns = "s3v_%s" % cfg["run_id"].replace("-", "_").lower()
                ident = ns + ".roundtrip"
                cat.create_namespace(ns)
                t1 = pyarrow.table({"id": pyarrow.array(range(n), pyarrow.int64()),
                                    "value": pyarrow.array([i * 0.5 for i in range(n)], pyarrow.float64())})
                t2 = pyarrow.table({"id": pyarrow.array(range(n, n + 1000), pyarrow.int64()),
                                    "value": pyarrow.array([0.0] * 1000, pyarrow.float64())})
                tbl = timed(res, "create_table", lambda: cat.create_table(ident, schema=t1.schema))
                if tbl is not None:
                    res["location"] = tbl.location()
                    timed(res, "append_1", lambda: tbl.append(t1))
                    if res["append_1"]["ok"]:
                        first = tbl.current_snapshot().snapshot_id
                        timed(res, "append_2", lambda: tbl.append(t2))
                        rows = timed(res, "scan", lambda: tbl.scan().to_arrow().num_rows)
                        if rows is not None and rows != n + 1000:
                            res["scan"] = {"ok": False, "error": "scan returned %d rows, expected %d" % (rows, n + 1000)}
                        rows = timed(res, "time_travel", lambda: tbl.scan(snapshot_id=first).to_arrow().num_rows)
                        if rows is not None and rows != n:
                            res["time_travel"] = {"ok": False, "error": "time travel returned %d rows" % rows}
                    timed(res, "purge_table", lambda: cat.purge_table(ident))
                    loc = res["location"].split("://", 1)[-1]
                    def leftovers():
                        infos = fs.get_file_info(pafs.FileSelector(loc, recursive=True, allow_not_found=True))
                        return len([i for i in infos if i.type == pafs.FileType.File])
                    timed(res, "leftover_files", leftovers)
                try:
                    cat.drop_namespace(ns)
                except Exception:
                    pass
    except Exception as e:
        res["task_error"] = squash(e)
        res["trace"] = traceback.format_exc()[-1500:]
    res["task_ms"] = round((time.perf_counter() - t_task) * 1000, 1)
    out[task] = res
print(json.dumps(out, default=str))
'''


def worker_environment(mode, base_env=None, ca_bundle=None):
    """Environment of a pyarrow child: the parent's, minus every AWS_* variable and AWS config files (so that
    nothing but `mode` decides the checksum behaviour), plus the checksum variables for when_required.

    ca_bundle: exported as SSL_CERT_FILE, the only way to give PyIceberg's pyarrow FileIO a private CA (PyIceberg
    0.12 passes no CA file to pyarrow; the bundled OpenSSL reads SSL_CERT_FILE)."""
    env = dict((k, v) for k, v in (base_env if base_env is not None else os.environ).items()
               if not k.startswith('AWS_'))
    env['AWS_EC2_METADATA_DISABLED'] = 'true'
    env['AWS_CONFIG_FILE'] = os.devnull
    env['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull
    if mode == WHEN_REQUIRED:
        for name in CHECKSUM_ENV_VARS:
            env[name] = WHEN_REQUIRED
    if ca_bundle:
        env['SSL_CERT_FILE'] = ca_bundle
    return env


def tls_environment(conn):
    """{'SSL_CERT_FILE': ca_bundle} for an https endpoint with a private CA bundle, else {}."""
    if (conn.get('endpoint_url') or '').startswith('https') and conn.get('validate_certs', True) \
            and conn.get('ca_bundle'):
        return {'SSL_CERT_FILE': conn['ca_bundle']}
    return {}


def run_worker(conn, bucket, prefix, run_id, tasks, mode, label, timeout, python=None, rows=200000):
    """Run WORKER_SOURCE in a child interpreter. Returns the decoded JSON (or {'worker_error': ...})."""
    parsed = urlparse(conn['endpoint_url'])
    cfg = dict(
        access_key=conn['access_key'], secret_key=conn['secret_key'], region=conn.get('region') or 'us-east-1',
        scheme=parsed.scheme or 'http', endpoint_override=parsed.netloc + parsed.path.rstrip('/'),
        endpoint_url=conn['endpoint_url'], ca_bundle=conn.get('ca_bundle') if conn.get('validate_certs', True) else None,
        connect_timeout=float(conn.get('connect_timeout') or 5), read_timeout=float(conn.get('read_timeout') or 60),
        bucket=bucket, prefix=prefix, run_id=run_id, tasks=list(tasks), label=label, rows=rows,
    )
    cmd = [python or sys.executable, '-c', WORKER_SOURCE]
    try:
        proc = subprocess.run(cmd, input=json.dumps(cfg).encode('utf-8'), stdout=subprocess.PIPE, check=False,
                              stderr=subprocess.PIPE, timeout=timeout,
                              env=worker_environment(mode, ca_bundle=tls_environment(conn).get('SSL_CERT_FILE')))
    except subprocess.TimeoutExpired:
        return {'worker_error': 'child process did not finish within %ss (worker_timeout)' % timeout}
    except OSError as exc:
        return {'worker_error': 'could not start %s: %s' % (cmd[0], exc)}
    lines = [line for line in proc.stdout.decode('utf-8', 'replace').splitlines() if line.startswith('{')]
    if not lines:
        return {'worker_error': 'child process exited %s without a result: %s'
                % (proc.returncode, one_line(proc.stderr.decode('utf-8', 'replace')[-600:], 600))}
    try:
        return json.loads(lines[-1])
    except ValueError:
        return {'worker_error': 'unreadable child output: %s' % one_line(lines[-1], 300)}


def _worker_failure(out):
    """A one-line reason when the child could not even run the tasks."""
    if 'worker_error' in out:
        return out['worker_error']
    if 'import_error' in out:
        return 'pyarrow is not importable by %s (%s)' % (out.get('python'), out['import_error'])
    if 'fs_error' in out:
        return 'could not create the pyarrow S3FileSystem (%s)' % out['fs_error']
    return None


def _short_error(err):
    """The telling part of an SDK error: 'HTTP 411 MissingContentLength' when it can be found."""
    text = '%s' % (err,)
    status = re.search(r'(?:HTTP status |failed with )(\d{3})', text)
    code = re.search(r'(?:ExceptionName: |\d{3} )([A-Z][A-Za-z]+)', text)
    if status and code:
        return 'HTTP %s %s' % (status.group(1), code.group(1))
    return one_line(text, 160)


def _group_failures(failed):
    """{op: error} -> 'op1, op2: HTTP 411 MissingContentLength; op3: ...' (ops with the same error grouped)."""
    groups = {}
    for op, err in sorted(failed.items()):
        groups.setdefault(_short_error(err), []).append(op)
    return '; '.join('%s: %s' % (', '.join(ops), err) for err, ops in groups.items())


def _ops_failed(res):
    return dict((k, v.get('error')) for k, v in sorted(res.items()) if isinstance(v, dict) and v.get('ok') is False)


# ---------------------------------------------------------------------------------------------------------------
# The validation run
# ---------------------------------------------------------------------------------------------------------------
class _Discard(object):
    """A seekable sink for download_fileobj that keeps nothing (throughput without disk I/O)."""

    def __init__(self):
        self._pos = 0
        self.size = 0
        self._lock = threading.Lock()

    def write(self, data):
        with self._lock:
            self._pos += len(data)
            self.size = max(self.size, self._pos)
        return len(data)

    def seek(self, pos, whence=0):
        with self._lock:
            if whence == 0:
                self._pos = pos
            elif whence == 1:
                self._pos += pos
            else:
                self._pos = self.size + pos
        return self._pos

    def tell(self):
        return self._pos

    def flush(self):
        pass

    def seekable(self):
        return True

    def writable(self):
        return True


def payload(size, block=MIB):
    """`size` bytes of incompressible data, cheaply: one random MiB repeated (gateways neither compress nor
    deduplicate by default; os.urandom of 64 MiB alone costs ~0.3 s of the run)."""
    chunk = os.urandom(min(size, block))
    reps, rest = divmod(size, len(chunk)) if chunk else (0, 0)
    return chunk * reps + chunk[:rest]


def transfer_config(concurrency, part_size):
    return TransferConfig(multipart_threshold=part_size, multipart_chunksize=part_size,
                          max_concurrency=max(1, int(concurrency)), use_threads=int(concurrency) > 1)


def measure_throughput(client, bucket, key, data, concurrency, part_size, iterations=1):
    """Timed upload_fileobj / download_fileobj (boto3 TransferConfig with `concurrency` threads) of `data`.

    This is the function the performance check uses; benchmarks/s3_baseline.py compares it with raw boto3 and
    the AWS CLI. Returns {put_mb_s, get_mb_s (medians), put_s, get_s (all runs)}.
    """
    config = transfer_config(concurrency, part_size)
    put_s, get_s = [], []
    for _i in range(max(1, int(iterations))):
        src = io.BytesIO(data)
        t0 = time.perf_counter()
        client.upload_fileobj(src, bucket, key, Config=config)
        put_s.append(time.perf_counter() - t0)
        sink = _Discard()
        t0 = time.perf_counter()
        client.download_fileobj(bucket, key, sink, Config=config)
        get_s.append(time.perf_counter() - t0)
        if sink.size != len(data):
            raise CheckOutcome(FAIL, 'download of %s returned %d bytes, expected %d' % (key, sink.size, len(data)))
    size = len(data)
    return dict(
        size_bytes=size, concurrency=int(concurrency), part_size=int(part_size), iterations=len(put_s),
        put_mb_s=throughput_mb_s(size, percentile(put_s, 50)), get_mb_s=throughput_mb_s(size, percentile(get_s, 50)),
        put_s=[round(s, 4) for s in put_s], get_s=[round(s, 4) for s in get_s],
    )


def measure_small_ops(client, bucket, prefix, object_size, iterations, concurrency):
    """Sequential latency of put/get/head/list/delete of small objects, plus concurrent mixed ops/s."""
    body = os.urandom(int(object_size))
    keys = ['%sobj-%05d' % (prefix, i) for i in range(int(iterations))]
    lat = dict(put=[], get=[], head=[], list=[], delete=[])

    clock = time.perf_counter
    for key in keys:
        t0 = clock()
        client.put_object(Bucket=bucket, Key=key, Body=body)
        lat['put'].append(clock() - t0)
    for key in keys:
        t0 = clock()
        client.get_object(Bucket=bucket, Key=key)['Body'].read()
        lat['get'].append(clock() - t0)
    for key in keys:
        t0 = clock()
        client.head_object(Bucket=bucket, Key=key)
        lat['head'].append(clock() - t0)
    for _key in keys:
        t0 = clock()
        client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1000)
        lat['list'].append(clock() - t0)
    for key in keys:
        t0 = clock()
        client.delete_object(Bucket=bucket, Key=key)
        lat['delete'].append(clock() - t0)

    # Concurrent mixed ops: each worker does put, head, get, delete of its own object.
    mixed_keys = ['%smixed-%05d' % (prefix, i) for i in range(int(iterations))]

    def cycle(key):
        client.put_object(Bucket=bucket, Key=key, Body=body)
        client.head_object(Bucket=bucket, Key=key)
        client.get_object(Bucket=bucket, Key=key)['Body'].read()
        client.delete_object(Bucket=bucket, Key=key)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, int(concurrency))) as pool:
        list(pool.map(cycle, mixed_keys))
    mixed_wall = time.perf_counter() - t0
    ops = dict((op, round(len(v) / sum(v), 1) if v and sum(v) > 0 else None) for op, v in lat.items())
    ops['mixed_concurrent'] = round(4 * len(mixed_keys) / mixed_wall, 1) if mixed_wall > 0 else None
    ops['mixed_concurrent_seconds'] = round(mixed_wall, 4)
    return lat, ops


def run_baseline(client, bucket, prefix, options):
    """The performance baseline used by the `performance` check (and the benchmark)."""
    opts = dict(BASELINE_DEFAULTS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    clock = time.perf_counter
    t_small = clock()
    lat, ops = measure_small_ops(client, bucket, prefix + 'small/', opts['object_size'], opts['iterations'],
                                 opts['concurrency'])
    t_small = clock() - t_small
    mixed_s = ops.pop('mixed_concurrent_seconds')
    all_small = [s for values in lat.values() for s in values]
    t_data = clock()
    data = payload(int(opts['large_object_size']))
    t_data = clock() - t_data
    t_large = clock()
    tp = measure_throughput(client, bucket, prefix + 'large/object.bin', data, opts['concurrency'],
                            opts['part_size'], opts['large_iterations'])
    t_large = clock() - t_large
    client.delete_object(Bucket=bucket, Key=prefix + 'large/object.bin')
    return dict(
        phase_seconds=dict(small_sequential=round(t_small - mixed_s, 4), small_timed=round(sum(all_small), 4),
                           mixed_concurrent=mixed_s, large_data_generation=round(t_data, 4),
                           large_transfers=round(t_large, 4),
                           large_timed=round(sum(tp['put_s']) + sum(tp['get_s']), 4)),
        object_size=int(opts['object_size']), iterations=int(opts['iterations']),
        concurrency=int(opts['concurrency']), large_object_size=int(opts['large_object_size']),
        large_iterations=int(opts['large_iterations']), part_size=int(opts['part_size']),
        latency_ms=dict((op, latency_stats(v)) for op, v in lat.items()),
        ops_per_second=ops,
        throughput_mb_s=dict(put=tp['put_mb_s'], get=tp['get_mb_s']),
        large_transfer_seconds=dict(put=tp['put_s'], get=tp['get_s']),
        max_op_seconds=round(max(all_small), 4) if all_small else None,
        threshold_seconds=float(opts['max_op_seconds']),
        within_threshold=bool(all_small) and max(all_small) <= float(opts['max_op_seconds']),
    )


BASELINE_DEFAULTS = dict(
    object_size=4096,
    iterations=50,
    concurrency=4,
    large_object_size=32 * MIB,
    large_iterations=2,
    part_size=8 * MIB,
    max_op_seconds=5.0,
)


class Validator(object):
    """One validation run. `params` are the module's parameters (connection options included)."""

    def __init__(self, conn, params, check_mode=False, python=None):
        self.conn = conn
        self.params = params
        self.check_mode = check_mode
        self.python = python or sys.executable
        self.endpoint = conn['endpoint_url'].rstrip('/')
        self.bucket = params['bucket']
        self.run_id = time.strftime('%Y%m%dt%H%M%S', time.gmtime()) + '-' + uuid.uuid4().hex[:6]
        base = (params.get('prefix') or '').strip('/')
        self.prefix = (base + '/' if base else '') + self.run_id + '/'
        self.baseline_options = dict(BASELINE_DEFAULTS)
        self.baseline_options.update(dict((k, v) for k, v in (params.get('baseline') or {}).items() if v is not None))
        self.concurrency = int(self.baseline_options['concurrency'])
        self.worker_timeout = int(params.get('worker_timeout') or 300)
        self.changed = False
        self.bucket_created = False
        self.bucket_exists = None
        self.scratch_buckets = []
        self.results = []
        self.status_by_name = {}
        self.server = None
        self.boto3_mode = None        # measured working checksum setting for boto3
        self.pyarrow_mode = None      # measured working checksum setting for pyarrow
        self.virtual_host_ok = None
        self.lifecycle = None
        self.baseline = None
        self.many_keys = []
        self._clients = {}
        self._session = None
        self.cleanup_report = None

    # -- clients ----------------------------------------------------------------------------------------------
    def client(self, mode=None, addressing_style='path'):
        """A boto3 client. mode: 'when_supported'/'when_required', or None for the working checksum setting
        measured by checksum_boto3 (before that: the configured request/response_checksum_* options)."""
        mode = mode or self.boto3_mode
        if mode is None and self.conn.get('request_checksum_calculation') == self.conn.get(
                'response_checksum_validation'):
            mode = self.conn.get('request_checksum_calculation')  # same client as the explicit mode
        key = (mode or 'configured', addressing_style)
        if key not in self._clients:
            if self._session is None:
                self._session = s3_session(self.conn)
            self._clients[key] = s3_client(self.conn, addressing_style=addressing_style,
                                           max_pool_connections=max(BULK_THREADS, self.concurrency) + 2,
                                           request_checksum_calculation=mode, response_checksum_validation=mode,
                                           session=self._session)
        return self._clients[key]

    @property
    def pyarrow_env_mode(self):
        if self.pyarrow_mode:
            return self.pyarrow_mode
        configured = self.conn.get('request_checksum_calculation') or DEFAULTS
        return configured

    def key(self, name):
        return self.prefix + name

    # -- running ----------------------------------------------------------------------------------------------
    def run(self):
        plan = plan_checks(self.params.get('checks'), self.params.get('skip_checks'), self.check_mode,
                           self.params.get('create_bucket'), bool(self.params.get('lifecycle_rules')))
        try:
            for name, skip_reason, _implied in plan:
                spec = CHECK_SPECS[name]
                required = spec['required'] or (name == 'lifecycle' and bool(self.params.get('lifecycle_rules')))
                if skip_reason:
                    self._record(name, SKIP, 0, 'skipped: ' + skip_reason, None, required)
                    continue
                blocked = self._blocking(name)
                if blocked:
                    self._record(name, SKIP, 0, 'skipped: %s did not pass' % ', '.join(blocked), None, required)
                    continue
                self._run_one(name, required)
        finally:
            if not self.check_mode:
                self.cleanup_report = self.cleanup()
        return self.report()

    def _blocking(self, name):
        out = []
        for need in CHECK_SPECS[name]['needs']:
            status = self.status_by_name.get(need)
            if status not in (PASS, WARN):
                out.append(need)
        if not out and name in ('virtual_host', 'lifecycle') and self.bucket_exists is False:
            out.append('bucket (it does not exist yet)')
        return out

    def _record(self, name, status, duration_ms, detail, remedy, required, data=None):
        result = make_result(name, status, duration_ms, detail, remedy, required, data)
        self.results.append(result)
        self.status_by_name[name] = status
        return result

    def _run_one(self, name, required):
        t0 = time.perf_counter()
        method = getattr(self, 'check_' + name)
        try:
            outcome = method()
            status, detail, remedy, data = PASS, outcome[0], None, outcome[1] if len(outcome) > 1 else {}
        except CheckOutcome as exc:
            status, detail, remedy, data = exc.status, exc.detail, exc.remedy, exc.data
        except (ClientError, BotoCoreError) as exc:
            outcome = s3_error_outcome(exc, self.endpoint, '%s check' % name)
            status, detail, remedy, data = outcome.status, outcome.detail, outcome.remedy, outcome.data
        except Exception as exc:  # a bug or an unexpected answer: report it, never a traceback in msg
            status, detail = FAIL, 'unexpected error: %s: %s' % (type(exc).__name__, one_line(exc, 300))
            remedy = 'report this as a bug of ceph_s3_validate together with data.traceback'
            data = {'traceback': traceback.format_exc()[-2000:]}
        self._record(name, status, (time.perf_counter() - t0) * 1000.0, detail, remedy, required, data)

    # -- checks -----------------------------------------------------------------------------------------------
    def check_connectivity(self):
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise CheckOutcome(FAIL, 'endpoint_url %r is not an http(s) URL' % self.endpoint,
                               'use a URL like http://127.0.0.1:7480 or https://s3.example.org')
        timeout = float(self.conn.get('connect_timeout') or 5)
        port = parts.port or (443 if parts.scheme == 'https' else 80)
        if parts.scheme == 'https':
            if self.conn.get('validate_certs', True):
                ctx = ssl.create_default_context(cafile=self.conn.get('ca_bundle') or None)
            else:
                ctx = ssl._create_unverified_context()
            conn = http_client.HTTPSConnection(parts.hostname, port, timeout=timeout, context=ctx)
        else:
            conn = http_client.HTTPConnection(parts.hostname, port, timeout=timeout)
        t0 = time.perf_counter()
        try:
            conn.request('GET', (parts.path or '') + '/')
            resp = conn.getresponse()
            resp.read(65536)
            headers = dict(resp.getheaders())
        except Exception as exc:
            detail, remedy = describe_connect_error(exc, self.endpoint, timeout)
            raise CheckOutcome(FAIL, detail, remedy)
        finally:
            conn.close()
        rtt = (time.perf_counter() - t0) * 1000.0
        self.server = identify_server(headers)
        self.server['tls'] = parts.scheme == 'https'
        detail = 'HTTP %s from unsigned GET / in %.1f ms; server: %s (Server header %r)' % (
            resp.status, rtt, self.server['product'], self.server['server_header'])
        return detail, dict(self.server, http_status=resp.status, rtt_ms=round(rtt, 1))

    def check_signature_v4(self):
        resp = self.client().list_buckets()
        names = [b['Name'] for b in resp.get('Buckets', [])]
        rid = resp.get('ResponseMetadata', {}).get('HTTPHeaders', {})
        if self.server and self.server.get('product') == 'unknown':
            self.server.update(identify_server(rid))
        return ('SigV4 (path-style) ListBuckets accepted; %d bucket(s) visible to these credentials' % len(names),
                {'bucket_count': len(names)})

    def check_bucket(self):
        client = self.client()
        try:
            client.head_bucket(Bucket=self.bucket)
            self.bucket_exists = True
        except ClientError as exc:
            if is_not_found(exc):
                self.bucket_exists = False
            elif http_status(exc) == 403 or error_code(exc) in ('403', 'AccessDenied', 'Forbidden'):
                raise CheckOutcome(FAIL, 'bucket %r exists but these credentials may not access it (403)'
                                   % self.bucket, REMEDY_BY_CODE['AccessDenied'])
            else:
                raise
        if not self.bucket_exists:
            if not self.params.get('create_bucket'):
                raise CheckOutcome(FAIL, 'bucket %r does not exist on %s and create_bucket is false'
                                   % (self.bucket, self.endpoint),
                                   'create the bucket first or set create_bucket=true')
            if self.check_mode:
                self.changed = True
                return ('bucket %r does not exist; it would be created (check mode)' % self.bucket,
                        {'created': False, 'would_create': True})
            self._create_bucket(client, self.bucket)
            self.bucket_created = True
            self.bucket_exists = True
            self.changed = True
            client.head_bucket(Bucket=self.bucket)
        resp = client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        return ('bucket %r %s; HEAD and LIST ok (%s)' % (
            self.bucket, 'created' if self.bucket_created else 'exists',
            'empty' if not resp.get('KeyCount') else 'not empty'), {'created': self.bucket_created})

    def _create_bucket(self, client, name):
        kwargs = dict(Bucket=name)
        region = self.conn.get('region') or 'us-east-1'
        if region != 'us-east-1':
            kwargs['CreateBucketConfiguration'] = {'LocationConstraint': region}
        client.create_bucket(**kwargs)

    def check_virtual_host(self):
        host = urlsplit(self.endpoint).hostname or ''
        if re.match(r'^[0-9.]+$', host) or ':' in host:
            raise CheckOutcome(SKIP, 'endpoint host %s is an IP address: virtual-hosted-style addressing needs a DNS '
                               'name with a wildcard (*.host); path-style is used' % host)
        try:
            self.client(addressing_style='virtual').list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except (ClientError, BotoCoreError) as exc:
            self.virtual_host_ok = False
            raise CheckOutcome(WARN, 'virtual-hosted-style request to %s.%s failed (%s); path-style works' % (
                self.bucket, host, one_line(exc, 200)),
                'informational: keep path-style addressing (s3.force-virtual-addressing=false), or configure '
                'rgw_dns_name and wildcard DNS if virtual-hosted style is wanted')
        self.virtual_host_ok = True
        return 'virtual-hosted-style request to %s.%s works' % (self.bucket, host), {}

    def _boto3_checksum_probe(self, mode):
        client = self.client(mode)
        ops = {}
        key = self.key('checksum/boto3-%s' % mode)
        body = os.urandom(64 * 1024)

        timings = {}

        def attempt(op, fn):
            t0 = time.perf_counter()
            try:
                fn()
                ops[op] = 'ok'
            except (ClientError, BotoCoreError) as exc:
                ops[op] = one_line(describe_s3_error(exc, self.endpoint, op), 300)
            timings[op] = round((time.perf_counter() - t0) * 1000.0, 1)

        attempt('PutObject', lambda: client.put_object(Bucket=self.bucket, Key=key + '.put', Body=body))
        if ops['PutObject'] == 'ok':
            def get():
                data = client.get_object(Bucket=self.bucket, Key=key + '.put')['Body'].read()
                if data != body:
                    raise CheckOutcome(FAIL, 'GetObject returned different bytes')
            try:
                attempt('GetObject', get)
            except CheckOutcome as exc:
                ops['GetObject'] = exc.detail

        def multipart():
            up = client.create_multipart_upload(Bucket=self.bucket, Key=key + '.mpu')
            try:
                part = client.upload_part(Bucket=self.bucket, Key=key + '.mpu', UploadId=up['UploadId'],
                                          PartNumber=1, Body=body)
            except Exception:
                client.abort_multipart_upload(Bucket=self.bucket, Key=key + '.mpu', UploadId=up['UploadId'])
                raise
            client.complete_multipart_upload(
                Bucket=self.bucket, Key=key + '.mpu', UploadId=up['UploadId'],
                MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
        attempt('UploadPart', multipart)

        def transfer():
            client.upload_fileobj(io.BytesIO(os.urandom(6 * MIB)), self.bucket, key + '.transfer',
                                  Config=transfer_config(2, 5 * MIB))
        attempt('upload_fileobj(multipart)', transfer)
        return ops, timings

    def _checksum_algorithms(self):
        """Which explicit checksum algorithms the endpoint accepts and returns (informational)."""
        try:
            from botocore.compat import HAS_CRT
        except ImportError:
            HAS_CRT = False
        client = self.client(WHEN_REQUIRED)
        key = self.key('checksum/algorithm')
        body = b'iceberg-checksum-probe' * 100
        found = {}
        algorithms = ['CRC32', 'SHA1', 'SHA256'] + (['CRC32C', 'CRC64NVME'] if HAS_CRT else [])
        for algo in algorithms:
            try:
                client.put_object(Bucket=self.bucket, Key=key, Body=body, ChecksumAlgorithm=algo)
                resp = client.get_object(Bucket=self.bucket, Key=key, ChecksumMode='ENABLED')
                resp['Body'].read()
                found[algo] = 'accepted, returned on GET' if resp.get('Checksum' + algo) else 'accepted, not returned'
            except (ClientError, BotoCoreError) as exc:
                found[algo] = 'rejected: %s' % (error_code(exc) or one_line(exc, 120))
        if not HAS_CRT:
            found['CRC32C'] = found['CRC64NVME'] = 'not tested (botocore needs awscrt for it)'
        try:
            md5 = base64.b64encode(hashlib.md5(body).digest()).decode('ascii')
            client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentMD5=md5)
            try:
                client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                  ContentMD5=base64.b64encode(hashlib.md5(b'x').digest()).decode('ascii'))
                found['Content-MD5'] = 'accepted, but a wrong Content-MD5 was accepted too'
            except ClientError as exc:
                found['Content-MD5'] = 'accepted and verified (wrong digest -> %s)' % error_code(exc)
        except (ClientError, BotoCoreError) as exc:
            found['Content-MD5'] = 'rejected: %s' % (error_code(exc) or one_line(exc, 120))
        return found

    def check_checksum_boto3(self):
        results, timings = {}, {}
        for mode in (DEFAULTS, WHEN_REQUIRED):
            results[mode], timings[mode] = self._boto3_checksum_probe(mode)
        ok = dict((mode, all(v == 'ok' for v in ops.values())) for mode, ops in results.items())
        data = {'scheme': urlsplit(self.endpoint).scheme, 'results': results, 'timings_ms': timings}
        try:
            data['algorithms'] = self._checksum_algorithms()
        except Exception as exc:  # informational only
            data['algorithms'] = {'error': one_line(exc, 200)}
        try:
            import botocore
            data['botocore'] = botocore.__version__
        except ImportError:
            pass
        scheme = data['scheme'].upper()
        if ok[DEFAULTS]:
            self.boto3_mode = DEFAULTS
            return ('boto3 %s works with SDK defaults (request_checksum_calculation=when_supported) over %s; '
                    'when_required works too: %s' % (data.get('botocore', ''), scheme, ok[WHEN_REQUIRED]), data)
        failing = _group_failures(dict((op, err) for op, err in results[DEFAULTS].items() if err != 'ok'))
        if ok[WHEN_REQUIRED]:
            self.boto3_mode = WHEN_REQUIRED
            raise CheckOutcome(WARN, 'boto3 with SDK checksum defaults fails over %s (%s); works with '
                               'request_checksum_calculation=when_required and response_checksum_validation='
                               'when_required' % (scheme, failing), REMEDY_CHECKSUM_BOTO3, data)
        raise CheckOutcome(FAIL, 'boto3 fails with SDK defaults and with when_required over %s (%s)' % (
            scheme, failing), 'check the gateway log for these requests', data)

    def check_checksum_pyarrow(self):
        runs = {}
        for mode in (DEFAULTS, WHEN_REQUIRED):
            out = run_worker(self.conn, self.bucket, self.key('pyarrow/'), self.run_id, ['checksum'], mode,
                             mode, self.worker_timeout, self.python)
            runs[mode] = out
        problem = _worker_failure(runs[DEFAULTS]) or _worker_failure(runs[WHEN_REQUIRED])
        scheme = urlsplit(self.endpoint).scheme.upper()
        data = {'scheme': scheme.lower(), 'pyarrow': runs[DEFAULTS].get('pyarrow'),
                'results': dict((m, runs[m].get('checksum', {})) for m in runs)}
        if problem:
            remedy = ('install pyarrow (requirements.txt) in the interpreter that runs the module'
                      if 'import' in problem else 'see detail; check endpoint, credentials and ca_bundle')
            raise CheckOutcome(FAIL, problem, remedy, data)
        failed = dict((m, _ops_failed(runs[m].get('checksum', {}))) for m in runs)
        for m in runs:
            if runs[m].get('checksum', {}).get('task_error'):
                failed[m]['task'] = runs[m]['checksum']['task_error']
        data['failed'] = failed
        if not failed[DEFAULTS]:
            self.pyarrow_mode = DEFAULTS
            return ('pyarrow %s S3FileSystem writes/reads (1 KiB and 6 MiB multipart, ranged read) work with SDK '
                    'defaults over %s' % (data['pyarrow'], scheme), data)
        if not failed[WHEN_REQUIRED]:
            self.pyarrow_mode = WHEN_REQUIRED
            raise CheckOutcome(WARN, 'pyarrow %s S3FileSystem fails with SDK checksum defaults over %s (%s); works '
                               'with AWS_REQUEST_CHECKSUM_CALCULATION=when_required' % (
                                   data['pyarrow'], scheme, _group_failures(failed[DEFAULTS])),
                               REMEDY_CHECKSUM_ENV, data)
        raise CheckOutcome(FAIL, 'pyarrow S3FileSystem fails with SDK defaults (%s) and with when_required (%s) over %s'
                           % (_group_failures(failed[DEFAULTS]), _group_failures(failed[WHEN_REQUIRED]), scheme),
                           'check the gateway log; for TLS endpoints set ca_bundle (pyarrow cannot skip '
                           'certificate verification)', data)

    def check_bucket_create_delete(self):
        client = self.client()
        name = ('%s-s3v-%s' % (self.bucket[:40].rstrip('-.'), uuid.uuid4().hex[:8])).lower()
        steps = []
        self._create_bucket(client, name)
        self.scratch_buckets.append(name)
        steps.append('create')
        client.head_bucket(Bucket=name)
        steps.append('head')
        names = [b['Name'] for b in client.list_buckets().get('Buckets', [])]
        if name not in names:
            raise CheckOutcome(FAIL, 'created bucket %s is missing from ListBuckets' % name,
                               'check the gateway log (ListBuckets after CreateBucket)')
        steps.append('list')
        client.put_object(Bucket=name, Key='probe', Body=b'x')
        try:
            client.delete_bucket(Bucket=name)
            raise CheckOutcome(FAIL, 'DeleteBucket of a non-empty bucket succeeded (S3 answers BucketNotEmpty)',
                               'informational for Iceberg; report to the gateway vendor')
        except ClientError as exc:
            if error_code(exc) != 'BucketNotEmpty':
                raise
        client.delete_object(Bucket=name, Key='probe')
        client.delete_bucket(Bucket=name)
        self.scratch_buckets.remove(name)
        steps.append('delete')
        try:
            client.head_bucket(Bucket=name)
            raise CheckOutcome(FAIL, 'bucket %s still answers HEAD after DeleteBucket' % name,
                               'check the gateway (bucket index)')
        except ClientError as exc:
            if exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode') != 404:
                raise
        return ('scratch bucket %s: create, head, list, BucketNotEmpty on delete, delete, 404 after delete' % name,
                {'bucket': name})

    def check_object_crud(self):
        client = self.client()
        key = self.key('crud/object.bin')
        body = os.urandom(100003)
        put = client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType='application/octet-stream')
        notes = []
        etag = (put.get('ETag') or '').strip('"')
        if etag != hashlib.md5(body).hexdigest():
            notes.append('ETag of a single PUT is not the MD5 of the body (%s)' % etag)
        got = client.get_object(Bucket=self.bucket, Key=key)['Body'].read()
        if got != body:
            raise CheckOutcome(FAIL, 'GET returned %d bytes that differ from the %d written' % (len(got), len(body)),
                               'the gateway corrupts objects: check its log and storage')
        head = client.head_object(Bucket=self.bucket, Key=key)
        if head.get('ContentLength') != len(body):
            raise CheckOutcome(FAIL, 'HEAD Content-Length is %s, expected exactly %d' % (
                head.get('ContentLength'), len(body)),
                'pyarrow sizes its reads from HEAD: fix the gateway (or a proxy rewriting Content-Length)')
        empty_key = self.key('crud/empty')
        client.put_object(Bucket=self.bucket, Key=empty_key, Body=b'')
        if client.head_object(Bucket=self.bucket, Key=empty_key).get('ContentLength') != 0:
            raise CheckOutcome(FAIL, 'HEAD of a zero-byte object does not report Content-Length 0',
                               'fix the gateway or the proxy in front of it')
        client.delete_object(Bucket=self.bucket, Key=empty_key)
        client.delete_object(Bucket=self.bucket, Key=key)
        for op, fn in (('HEAD', lambda: client.head_object(Bucket=self.bucket, Key=key)),
                       ('GET', lambda: client.get_object(Bucket=self.bucket, Key=key))):
            try:
                fn()
                raise CheckOutcome(FAIL, '%s after DELETE still finds the object' % op,
                                   'the gateway is not read-after-delete consistent; Iceberg needs it')
            except ClientError as exc:
                if exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode') != 404:
                    raise
        client.delete_object(Bucket=self.bucket, Key=key)  # deleting a missing key is not an error in S3
        detail = ('PUT/GET/HEAD/DELETE of 100003 bytes and of 0 bytes; HEAD Content-Length exact; 404 after delete; '
                  'delete of a missing key ok')
        if notes:
            raise CheckOutcome(WARN, detail + '; ' + '; '.join(notes), 'informational', {'notes': notes})
        return detail, {}

    def check_consistency(self):
        client = self.client()
        key = self.key('consistency/overwrite')
        stale = 0
        for i in range(20):
            body = ('version-%d-' % i).encode() + os.urandom(64)
            client.put_object(Bucket=self.bucket, Key=key, Body=body)
            if client.get_object(Bucket=self.bucket, Key=key)['Body'].read() != body:
                stale += 1
        if stale:
            raise CheckOutcome(FAIL, '%d of 20 reads right after an overwrite returned old data' % stale,
                               'Iceberg needs read-after-write consistency: check RGW caching/multisite settings')
        client.delete_object(Bucket=self.bucket, Key=key)
        prefix = self.key('consistency/list/')
        keys = [prefix + 'k%02d' % i for i in range(10)]
        for k in keys:
            client.put_object(Bucket=self.bucket, Key=k, Body=b'x')
        listed = [o['Key'] for o in client.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get('Contents', [])]
        if sorted(listed) != keys:
            raise CheckOutcome(FAIL, 'list right after write shows %d of 10 keys' % len(listed),
                               'Iceberg (orphan clean-up, purge) needs list-after-write consistency')
        for k in keys:
            client.delete_object(Bucket=self.bucket, Key=k)
        left = client.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get('KeyCount', 0)
        if left:
            raise CheckOutcome(FAIL, 'list right after delete still shows %d of 10 keys' % left,
                               'check bucket index consistency (radosgw-admin bucket check)')
        return '20 read-after-overwrite, list-after-write (10 keys) and list-after-delete all consistent', {}

    def check_ranged_get(self):
        client = self.client()
        key = self.key('range/object.bin')
        size = 300001
        body = os.urandom(size)
        client.put_object(Bucket=self.bucket, Key=key, Body=body)
        cases = [('bounded', 'bytes=100-199', body[100:200]),
                 ('suffix', 'bytes=-1000', body[-1000:]),
                 ('open_ended', 'bytes=%d-' % (size - 4096), body[size - 4096:]),
                 ('end_past_size', 'bytes=%d-%d' % (size - 10, size + 1000), body[size - 10:])]
        data = {}
        bad = []
        for label, rng, expected in cases:
            resp = client.get_object(Bucket=self.bucket, Key=key, Range=rng)
            got = resp['Body'].read()
            status = resp['ResponseMetadata']['HTTPStatusCode']
            data[label] = dict(range=rng, status=status, content_range=resp.get('ContentRange'), length=len(got))
            if got != expected or status != 206:
                bad.append('%s (%s): HTTP %s, %d bytes, expected 206 with %d bytes' % (
                    label, rng, status, len(got), len(expected)))
        try:
            client.get_object(Bucket=self.bucket, Key=key, Range='bytes=%d-' % (size + 10))
            data['unsatisfiable'] = 'no error'
        except ClientError as exc:
            data['unsatisfiable'] = error_code(exc)
        client.delete_object(Bucket=self.bucket, Key=key)
        if bad:
            raise CheckOutcome(FAIL, 'ranged GETs wrong: ' + '; '.join(bad),
                               'Parquet/Iceberg readers need ranged GETs: fix the gateway or the proxy in front of it',
                               data)
        return ('bounded, suffix, open-ended and past-the-end ranges return 206 with the right bytes; '
                'unsatisfiable range -> %s' % data['unsatisfiable'], data)

    def _ensure_many_keys(self, count=1250):
        """count small objects under many/ (5 'directories'), written concurrently; reused by delete_batch."""
        if len(self.many_keys) >= count:
            return self.many_keys
        client = self.client()
        prefix = self.key('many/')
        keys = ['%sd%d/k%05d' % (prefix, i % 5, i) for i in range(count)]

        def put(k):
            client.put_object(Bucket=self.bucket, Key=k, Body=b'')
        with ThreadPoolExecutor(max_workers=BULK_THREADS) as pool:
            list(pool.map(put, keys))
        self.many_keys = sorted(keys)
        return self.many_keys

    def check_list_pagination(self):
        client = self.client()
        t0 = time.perf_counter()
        keys = self._ensure_many_keys()
        write_s = time.perf_counter() - t0
        prefix = self.key('many/')
        paginator = client.get_paginator('list_objects_v2')
        pages = 0
        listed = []
        t0 = time.perf_counter()
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            pages += 1
            listed.extend(o['Key'] for o in page.get('Contents', []))
        list_s = time.perf_counter() - t0
        problems = []
        if listed != keys:
            problems.append('default page size listed %d keys in %d pages (expected %d, sorted, no duplicates)'
                            % (len(listed), pages, len(keys)))
        if pages < 2:
            problems.append('no continuation past 1000 keys (%d page)' % pages)
        small_pages = 0
        listed = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, PaginationConfig={'PageSize': 100}):
            small_pages += 1
            listed.extend(o['Key'] for o in page.get('Contents', []))
        if listed != keys:
            problems.append('MaxKeys=100 listed %d keys' % len(listed))
        resp = client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, Delimiter='/')
        common = sorted(p['Prefix'] for p in resp.get('CommonPrefixes', []))
        if common != ['%sd%d/' % (prefix, i) for i in range(5)] or resp.get('Contents'):
            problems.append('delimiter listing returned %d common prefixes and %d keys (expected 5 and 0)'
                            % (len(common), len(resp.get('Contents', []))))
        sub = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix + 'd0/', Delimiter='/'):
            sub.extend(o['Key'] for o in page.get('Contents', []))
        if len(sub) != len(keys) // 5:
            problems.append('prefix+delimiter listing of d0/ returned %d keys, expected %d' % (len(sub), len(keys) // 5))
        data = dict(keys=len(keys), pages_default=pages, pages_maxkeys_100=small_pages,
                    write_seconds=round(write_s, 2), list_seconds=round(list_s, 3))
        if problems:
            raise CheckOutcome(FAIL, 'ListObjectsV2: ' + '; '.join(problems),
                               'Iceberg maintenance lists large prefixes: fix the gateway (bucket index)', data)
        return ('ListObjectsV2 of %d keys: %d pages by default, %d with MaxKeys=100, delimiter -> 5 common '
                'prefixes, prefix+delimiter -> %d keys' % (len(keys), pages, small_pages, len(sub)), data)

    def check_delete_batch(self):
        client = self.client()
        keys = list(self._ensure_many_keys())
        data = {}
        for size in (250, 1000):
            batch, keys = keys[:size], keys[size:]
            t0 = time.perf_counter()
            resp = client.delete_objects(Bucket=self.bucket, Delete={
                'Objects': [{'Key': k} for k in batch], 'Quiet': False})
            data['batch_%d_ms' % size] = round((time.perf_counter() - t0) * 1000, 1)
            deleted, errors = len(resp.get('Deleted', [])), resp.get('Errors', [])
            if deleted != size or errors:
                raise CheckOutcome(FAIL, 'DeleteObjects of %d keys deleted %d, errors: %s' % (
                    size, deleted, one_line(errors[:3], 200)),
                    'Iceberg Java deletes in batches of 250: check the gateway (rgw_delete_multi_obj_max_num)', data)
        left = client.list_objects_v2(Bucket=self.bucket, Prefix=self.key('many/'), MaxKeys=1000).get('KeyCount', 0)
        if left != len(keys):
            raise CheckOutcome(FAIL, 'after batch deletes %d keys remain, expected %d' % (left, len(keys)),
                               'check bucket index consistency', data)
        self.many_keys = keys
        return 'DeleteObjects of 250 and of 1000 keys: all deleted, no errors, list confirms', data

    def check_multipart(self):
        client = self.client()
        data = {}
        # 1. one tiny part
        key = self.key('multipart/tiny')
        body = os.urandom(1024)
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        part = client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=1, Body=body)
        done = client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'],
                                                MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
        data['tiny_etag'] = done.get('ETag')
        head = client.head_object(Bucket=self.bucket, Key=key)
        got = client.get_object(Bucket=self.bucket, Key=key)['Body'].read()
        if head['ContentLength'] != 1024 or got != body:
            raise CheckOutcome(FAIL, 'single tiny part upload reads back %d bytes (HEAD %s), expected 1024' % (
                len(got), head['ContentLength']), 'check the gateway log', data)
        # 2. parts larger than 5 MiB
        key = self.key('multipart/large')
        sizes = [6 * MIB, 6 * MIB, 1 * MIB + 7]
        blobs = [os.urandom(s) for s in sizes]
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        try:
            parts = []
            for number, blob in enumerate(blobs, 1):
                p = client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=number,
                                       Body=blob)
                parts.append({'PartNumber': number, 'ETag': p['ETag']})
            listed = client.list_parts(Bucket=self.bucket, Key=key, UploadId=up['UploadId']).get('Parts', [])
            data['list_parts_sizes'] = [p.get('Size') for p in listed]
            done = client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'],
                                                    MultipartUpload={'Parts': parts})
        except Exception:
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
            raise
        data['complete_response_etag'] = done.get('ETag')
        head = client.head_object(Bucket=self.bucket, Key=key)
        etag = (head.get('ETag') or '').strip('"')
        data['head_etag'] = etag
        digest = hashlib.md5(client.get_object(Bucket=self.bucket, Key=key)['Body'].read()).hexdigest()
        if head['ContentLength'] != sum(sizes) or digest != hashlib.md5(b''.join(blobs)).hexdigest():
            raise CheckOutcome(FAIL, 'multipart object of 3 parts reads back wrong (HEAD %s, expected %d)' % (
                head['ContentLength'], sum(sizes)), 'check the gateway log', data)
        notes = []
        if data['list_parts_sizes'] != sizes:
            notes.append('ListParts sizes %s' % data['list_parts_sizes'])
        if not re.match(r'^[0-9a-f]{32}-3$', etag):
            notes.append('HEAD ETag %s is not of the form <md5>-<parts>' % etag)
        if (data['complete_response_etag'] or '').strip('"') != etag:
            notes.append('CompleteMultipartUpload answered ETag %r, HEAD says %s' % (
                data['complete_response_etag'], etag))
        # 3. abort
        key = self.key('multipart/aborted')
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=1, Body=b'x' * 1024)
        client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
        try:
            client.list_parts(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
            notes.append('ListParts after abort did not answer NoSuchUpload')
        except ClientError as exc:
            data['after_abort'] = error_code(exc)
        uploads = client.list_multipart_uploads(Bucket=self.bucket, Prefix=key).get('Uploads', [])
        if any(u['UploadId'] == up['UploadId'] for u in uploads):
            raise CheckOutcome(FAIL, 'aborted upload is still listed by ListMultipartUploads',
                               'incomplete uploads leak space: add a lifecycle rule with abort_incomplete_multipart_days',
                               data)
        # 4. a non-last part below 5 MiB (informational: S3 answers EntityTooSmall)
        key = self.key('multipart/too-small')
        up = client.create_multipart_upload(Bucket=self.bucket, Key=key)
        parts = []
        for number in (1, 2):
            p = client.upload_part(Bucket=self.bucket, Key=key, UploadId=up['UploadId'], PartNumber=number,
                                   Body=b'y' * 1024)
            parts.append({'PartNumber': number, 'ETag': p['ETag']})
        try:
            client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'],
                                             MultipartUpload={'Parts': parts})
            data['min_part_size_enforced'] = False
            notes.append('a 1 KiB non-last part was accepted (S3 requires >= 5 MiB)')
        except ClientError as exc:
            data['min_part_size_enforced'] = error_code(exc)
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=up['UploadId'])
        detail = ('1 tiny part, 3 parts (6+6+1 MiB) with exact size and content, abort (ListParts after abort -> '
                  '%s), HEAD ETag %s; non-last part < 5 MiB -> %s' % (
                      data.get('after_abort'), etag, data['min_part_size_enforced']))
        if notes:
            raise CheckOutcome(WARN, detail + '; differs from AWS S3: ' + '; '.join(notes),
                               'informational: Iceberg/pyarrow do not use these, but clients that verify the ETag of '
                               'CompleteMultipartUpload would fail on this gateway', data)
        return detail, data

    def check_presigned(self):
        client = self.client()
        key = self.key('presigned/object.bin')
        body = os.urandom(4096)
        put_url = client.generate_presigned_url('put_object', Params={'Bucket': self.bucket, 'Key': key},
                                                ExpiresIn=300)
        get_url = client.generate_presigned_url('get_object', Params={'Bucket': self.bucket, 'Key': key},
                                                ExpiresIn=300)
        if 'X-Amz-Algorithm=AWS4-HMAC-SHA256' not in get_url:
            raise CheckOutcome(FAIL, 'presigned URL is not SigV4', 'sign with signature_version=s3v4')
        verify = bool(self.conn.get('validate_certs', True))
        ca_path = self.conn.get('ca_bundle') or None
        timeout = float(self.conn.get('read_timeout') or 60)
        try:
            open_url(put_url, method='PUT', data=body, headers={'Content-Type': ''}, timeout=timeout,
                     validate_certs=verify, ca_path=ca_path).read()
            got = open_url(get_url, timeout=timeout, validate_certs=verify, ca_path=ca_path).read()
        except HTTPError as exc:
            text = exc.read()[:300].decode('utf-8', 'replace')
            code = re.search(r'<Code>([^<]+)</Code>', text)
            raise CheckOutcome(FAIL, 'presigned request answered HTTP %s %s' % (exc.code, code.group(1) if code else ''),
                               'check clock skew and that the gateway accepts SigV4 query authentication')
        if got != body:
            raise CheckOutcome(FAIL, 'presigned GET returned different bytes', 'check the gateway log')
        client.delete_object(Bucket=self.bucket, Key=key)
        return 'SigV4 presigned PUT (4096 bytes) and GET round trip ok', {}

    def _get_lifecycle(self, client):
        try:
            return client.get_bucket_lifecycle_configuration(Bucket=self.bucket).get('Rules', [])
        except ClientError as exc:
            if error_code(exc) in ('NoSuchLifecycleConfiguration', 'NoSuchLifecycle'):
                return []
            raise

    def check_lifecycle(self):
        client = self.client()
        desired = self.params.get('lifecycle_rules') or []
        existing = self._get_lifecycle(client)
        info = dict(existing_rule_ids=[r.get('ID') for r in existing])
        if desired:
            rules, would_change, diff = merge_lifecycle_rules(existing, desired)
            info.update(diff=diff, changed=would_change)
            if self.check_mode:
                self.changed = self.changed or would_change
                self.lifecycle = info
                return ('lifecycle rules %s (check mode, nothing written)' % (
                    'would change: %s' % _diff_text(diff) if would_change else 'already as requested'), info)
            if would_change:
                client.put_bucket_lifecycle_configuration(Bucket=self.bucket,
                                                          LifecycleConfiguration={'Rules': rules})
                self.changed = True
            after = self._get_lifecycle(client)
            info['rule_ids'] = [r.get('ID') for r in after]
            after_by_id = dict((r.get('ID'), rule_from_s3(r)) for r in after)
            wrong = [r['id'] for r in desired if after_by_id.get(r['id']) != canonical_rule(r)]
            self.lifecycle = info
            if wrong:
                raise CheckOutcome(FAIL, 'lifecycle rules read back differ from what was put: %s (got %s)' % (
                    wrong, one_line([after_by_id.get(w) for w in wrong], 300)),
                    'the gateway rewrote the rules; check the rule fields it supports (RGW: rgw_lc_* settings)', info)
            return ('lifecycle rules %s; round trip verified (%d rule(s) on the bucket)' % (
                _diff_text(diff) if would_change else 'already as requested', len(after)), info)
        if self.check_mode:
            self.lifecycle = info
            return 'lifecycle configuration readable: %d rule(s) (check mode, no round trip)' % len(existing), info
        if existing:
            self.lifecycle = info
            raise CheckOutcome(SKIP, 'bucket already has %d lifecycle rule(s); the put/get round trip is only done on '
                               'a bucket without lifecycle configuration, so they were left untouched (GET ok)'
                               % len(existing), None, info)
        probe = {'id': 'ceph-s3-validate-%s' % self.run_id, 'prefix': self.key('lifecycle/'), 'expiration_days': 1,
                 'abort_incomplete_multipart_days': 1}
        client.put_bucket_lifecycle_configuration(Bucket=self.bucket,
                                                  LifecycleConfiguration={'Rules': [rule_to_s3(probe)]})
        try:
            after = self._get_lifecycle(client)
        finally:
            client.delete_bucket_lifecycle(Bucket=self.bucket)
        got = [rule_from_s3(r) for r in after]
        if got != [canonical_rule(probe)]:
            raise CheckOutcome(FAIL, 'lifecycle rule read back differs: %s' % one_line(got, 300),
                               'check the gateway lifecycle support (RGW rgw_lc_* settings)', info)
        self.lifecycle = info
        return 'lifecycle put/get round trip ok (temporary rule, removed again)', info

    def _pyarrow_task(self, task, label):
        mode = self.pyarrow_env_mode
        out = run_worker(self.conn, self.bucket, self.key(task + '/'), self.run_id, [task], mode, label,
                         self.worker_timeout, self.python)
        problem = _worker_failure(out)
        if problem:
            raise CheckOutcome(FAIL, problem, 'install pyarrow/pyiceberg (requirements.txt) for %s' % self.python
                               if 'import' in problem else 'see detail', {'mode': mode})
        res = out.get(task, {})
        if not res.get('task_error'):
            res.pop('trace', None)
        env = dict((n, WHEN_REQUIRED) for n in CHECKSUM_ENV_VARS) if mode == WHEN_REQUIRED else {}
        env.update(tls_environment(self.conn))
        data = dict(res, env_mode=mode, environment=env)
        failed = _ops_failed(res)
        if res.get('task_error'):
            failed['task'] = res['task_error']
        setting = ('with AWS_REQUEST_CHECKSUM_CALCULATION=when_required' if mode == WHEN_REQUIRED
                   else 'with SDK checksum defaults')
        return res, data, failed, setting, mode

    def check_parquet(self):
        res, data, failed, setting, mode = self._pyarrow_task('parquet', 'parquet')
        if failed:
            name, err = sorted(failed.items())[0]
            raise CheckOutcome(FAIL, 'Parquet cycle failed %s (%s: %s)' % (setting, name, one_line(err, 300)),
                               REMEDY_CHECKSUM_ENV if mode == DEFAULTS and 'MissingContentLength' in err
                               else 'see detail and the gateway log', data)
        return ('Parquet %d rows (%s bytes, snappy) written in %.0f ms, read back in %.0f ms, column read %.0f ms, %s'
                % (res.get('rows', 0), res.get('size_bytes'), res['write']['ms'], res['read']['ms'],
                   res['read_column']['ms'], setting), data)

    def check_iceberg(self):
        res, data, failed, setting, mode = self._pyarrow_task('iceberg', 'iceberg')
        if failed:
            name, err = sorted(failed.items())[0]
            raise CheckOutcome(FAIL, 'Iceberg round trip failed %s (%s: %s)' % (setting, name, one_line(err, 300)),
                               REMEDY_CHECKSUM_ENV if 'MissingContentLength' in (err or '') or mode == DEFAULTS
                               else 'see detail and the gateway log', data)
        left = (res.get('leftover_files') or {}).get('value')
        detail = ('PyIceberg SqlCatalog: create_table %.0f ms, 2 appends %.0f/%.0f ms, scan %.0f ms, time travel '
                  '%.0f ms, purge_table %.0f ms, %s' % (
                      res['create_table']['ms'], res['append_1']['ms'], res['append_2']['ms'], res['scan']['ms'],
                      res['time_travel']['ms'], res['purge_table']['ms'], setting))
        if left:
            raise CheckOutcome(WARN, detail + '; %d file(s) left under the table location after purge' % left,
                               'informational: PyIceberg purge deletes the files it tracks; clean the prefix', data)
        return detail + '; no files left after purge', data

    def check_performance(self):
        client = self.client()
        baseline = run_baseline(client, self.bucket, self.key('perf/'), self.baseline_options)
        self.baseline = baseline
        lat = baseline['latency_ms']
        detail = ('%d B objects x%d: p50/p95/p99 ms put %s/%s/%s get %s/%s/%s head %s/%s/%s list %s/%s/%s delete '
                  '%s/%s/%s; %d MiB x%d at concurrency %d: put %s MB/s, get %s MB/s; mixed ops/s %s' % (
                      baseline['object_size'], baseline['iterations'],
                      lat['put']['p50_ms'], lat['put']['p95_ms'], lat['put']['p99_ms'],
                      lat['get']['p50_ms'], lat['get']['p95_ms'], lat['get']['p99_ms'],
                      lat['head']['p50_ms'], lat['head']['p95_ms'], lat['head']['p99_ms'],
                      lat['list']['p50_ms'], lat['list']['p95_ms'], lat['list']['p99_ms'],
                      lat['delete']['p50_ms'], lat['delete']['p95_ms'], lat['delete']['p99_ms'],
                      baseline['large_object_size'] // MIB, baseline['large_iterations'], baseline['concurrency'],
                      baseline['throughput_mb_s']['put'], baseline['throughput_mb_s']['get'],
                      baseline['ops_per_second']['mixed_concurrent']))
        if not baseline['within_threshold']:
            raise CheckOutcome(FAIL, 'slowest small-object operation took %.2f s (> %.1f s threshold); %s' % (
                baseline['max_op_seconds'], baseline['threshold_seconds'], detail),
                'S3 operations must complete within %.0f s: check gateway load, OSD latency and the network '
                '(RGW: rgw_frontends ... tcp_nodelay=1)' % baseline['threshold_seconds'], {})
        return detail + '; slowest small op %.3f s (threshold %.1f s)' % (
            baseline['max_op_seconds'], baseline['threshold_seconds']), {}

    # -- cleanup and report -----------------------------------------------------------------------------------
    def cleanup(self):
        t0 = time.perf_counter()
        report = self._cleanup()
        report['duration_ms'] = round((time.perf_counter() - t0) * 1000.0, 1)
        return report

    def _cleanup(self):
        report = dict(enabled=bool(self.params.get('cleanup', True)), prefix=self.prefix, objects_deleted=0,
                      uploads_aborted=0, scratch_buckets_deleted=[], errors=[])
        if self.status_by_name.get('bucket') not in (PASS, WARN) and not self.scratch_buckets:
            return report
        client = None
        try:
            client = self.client()
        except Exception as exc:
            report['errors'].append(one_line(exc, 200))
            return report
        for name in list(self.scratch_buckets):  # always removed: the module never keeps a scratch bucket
            try:
                keys = [obj['Key'] for obj in list_objects(client, name, skip_markers=False)]
                _gone, refused = delete_objects(client, name, keys, single_fallback=True)
                if refused:
                    raise RuntimeError('%d object(s) could not be deleted: %s' % (len(refused), sorted(refused)[:3]))
                client.delete_bucket(Bucket=name)
                report['scratch_buckets_deleted'].append(name)
                self.scratch_buckets.remove(name)
            except Exception as exc:
                report['errors'].append('scratch bucket %s: %s' % (name, one_line(exc, 200)))
        if not report['enabled'] or self.status_by_name.get('bucket') not in (PASS, WARN):
            return report
        try:
            uploads = client.get_paginator('list_multipart_uploads')
            for page in uploads.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for up in page.get('Uploads', []):
                    client.abort_multipart_upload(Bucket=self.bucket, Key=up['Key'], UploadId=up['UploadId'])
                    report['uploads_aborted'] += 1
        except Exception as exc:
            report['errors'].append('abort uploads: %s' % one_line(exc, 200))
        try:
            keys = [obj['Key'] for obj in list_objects(client, self.bucket, self.prefix, skip_markers=False)]
            gone, _refused = delete_objects(client, self.bucket, keys, single_fallback=True)
            report['objects_deleted'] += len(gone)
            left = client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=10).get('KeyCount', 0)
            report['objects_left'] = left
        except Exception as exc:
            report['errors'].append('delete objects: %s' % one_line(exc, 200))
        return report

    def report(self):
        compatible = not any(r['status'] == FAIL and r['required'] for r in self.results)
        pyarrow_mode = self.pyarrow_mode
        if pyarrow_mode is None and self.status_by_name.get('parquet') == PASS:
            pyarrow_mode = self.pyarrow_env_mode  # not measured both ways, but known to work
        return dict(
            changed=self.changed,
            compatible=compatible,
            checks=self.results,
            summary=summarize(self.results),
            failed_checks=[r['name'] for r in self.results if r['status'] == FAIL],
            recommended_client_config=recommended_config(
                self.endpoint, self.conn.get('region') or 'us-east-1', self.boto3_mode, pyarrow_mode,
                self.virtual_host_ok, configured=self.conn.get('request_checksum_calculation') or DEFAULTS,
                extra_env=tls_environment(self.conn)),
            baseline=self.baseline or {},
            server=self.server or {},
            bucket_created=self.bucket_created,
            lifecycle=self.lifecycle or {},
            cleanup=self.cleanup_report or {},
            run_prefix=self.prefix,
            failure_message=failure_message(self.endpoint, self.results),
        )


def _diff_text(diff):
    parts = []
    for key in ('added', 'updated'):
        if diff.get(key):
            parts.append('%s %s' % (key, ', '.join(diff[key])))
    return '; '.join(parts) or 'unchanged'


def validate(conn, params, check_mode=False, python=None):
    """Run the selected checks; returns the module result (without `msg`)."""
    if BOTO3_IMPORT_ERROR:
        raise ImportError('boto3')
    return Validator(conn, params, check_mode=check_mode, python=python).run()
