# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue of checks of ceph_s3_validate: names, order, prerequisites, the result schema, remedies.

Every check produces one result of CHECK_RESULT_SCHEMA:
    {name, status: pass|fail|warn|skip, duration_ms, detail, remedy, required, data}
`required` says whether Iceberg needs the check to pass (a `warn` still counts as usable: it works with the
settings named in `remedy` / recommended_client_config); `data` carries the measured facts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line

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
                    doc='HEAD and LIST of the bucket (it must exist: create it with the s3_bucket module).')),
    ('virtual_host', dict(required=False, writes=False, needs=('bucket',),
                          doc='Virtual-hosted-style addressing (informational: Iceberg clients use path-style).')),
    ('checksum_boto3', dict(required=True, writes=True, needs=('bucket',),
                            doc='PutObject/UploadPart/GetObject with botocore checksum defaults and with when_required.')),
    ('checksum_pyarrow', dict(required=True, writes=True, needs=('bucket',),
                              doc="pyarrow S3FileSystem writes/reads with SDK defaults and with "
                                  "AWS_REQUEST_CHECKSUM_CALCULATION=when_required (child processes).")),
    ('bucket_create_delete', dict(required=False, writes=True, needs=('signature_v4',),
                                  doc='Create/HEAD/LIST/DELETE of a scratch bucket (informational: needs the right to create buckets).')),
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
                       doc='With lifecycle_rules: the bucket has them (read-only, then required). Without: a put/get '
                           'round trip of a temporary rule on a bucket without lifecycle configuration.')),
    ('parquet', dict(required=True, writes=True, needs=('bucket',),
                     doc='Parquet write/read cycle with pyarrow S3FileSystem (child process).')),
    ('iceberg', dict(required=True, writes=True, needs=('bucket',),
                     doc='PyIceberg SqlCatalog (sqlite, temp dir): create table, append, scan, time travel, '
                         'drop with purge (child process).')),
    ('performance', dict(required=True, writes=True, needs=('bucket',),
                         doc='Latency p50/p95/p99, ops/s and large-object throughput; every small operation '
                             'must finish within baseline.max_op_seconds (the seed threshold: 5 s).')),
    # Optional: in no group; runs when named in `checks` or when sts_role_arn is given (then required).
    ('sts', dict(required=False, writes=True, needs=('bucket',), optional=True,
                 doc='STS AssumeRole with a location-scoped session policy (as Polaris sends for credential vending); '
                     'the temporary credentials work inside the location and get AccessDenied outside it.')),
)
CHECK_NAMES = tuple(name for name, _spec in CHECKS)
CHECK_SPECS = dict(CHECKS)
# Checks that stay read-only even when not in check mode (lifecycle is read-only only in check mode).
READONLY_CHECKS = tuple(name for name, spec in CHECKS if not spec['writes'])
# Optional checks need options of their own (sts: sts_role_arn): no group selects them.
OPTIONAL_CHECKS = tuple(name for name, spec in CHECKS if spec.get('optional'))
_GROUPABLE = tuple(n for n in CHECK_NAMES if n not in OPTIONAL_CHECKS)
CHECK_GROUPS = {
    'all': _GROUPABLE,
    'compatibility': tuple(n for n in _GROUPABLE if n != 'performance'),
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
# ListBuckets (the signature check) refused with AccessDenied: Ceph RGW with STS enabled (rgw_s3_auth_use_sts) answers
# a wrong secret key so, instead of SignatureDoesNotMatch (measured on 16.2.15); a user without the right to list
# buckets gets the same answer.
REMEDY_SIGNATURE_ACCESS_DENIED = ('fix secret_key first (RGW with STS enabled answers a wrong secret key with '
                                  'AccessDenied, not SignatureDoesNotMatch; radosgw-admin user info --uid=<user> shows '
                                  'the keys), else allow the user to list its buckets')
REMEDY_BY_CODE = {
    'SignatureDoesNotMatch': 'fix secret_key (radosgw-admin user info --uid=<user> shows the keys); also check '
                             'region and that nothing rewrites the Host header',
    'InvalidAccessKeyId': 'fix access_key: the endpoint does not know it (radosgw-admin user info --uid=<user>)',
    'AccessDenied': 'grant the user access to the bucket (bucket policy / owner) or use the owner\'s keys',
    'NoSuchBucket': 'create the bucket first (dataplatform.lakehouse.s3_bucket)',
    'RequestTimeTooSkewed': 'synchronise the clocks of this host and the gateway (chrony/ntp)',
    'MissingContentLength': REMEDY_CHECKSUM_BOTO3,
    'BucketAlreadyExists': 'choose another bucket name: it exists and belongs to another user',
    'TooManyBuckets': 'raise the user\'s max_buckets (radosgw-admin user modify --max-buckets) or reuse a bucket',
    'NotImplemented': 'the endpoint (or a proxy in front of it) answered 501 to this request: for multipart, allow '
                      'CreateMultipartUpload/UploadPart/CompleteMultipartUpload (Iceberg writers need them); the '
                      'checksum settings do not change this',
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


def plan_checks(checks=None, skip_checks=None, check_mode=False, lifecycle_rules=False, sts_role=False):
    """Decide which checks run. Returns an ordered list of (name, reason_to_skip_or_None, implied).

    - lifecycle_rules given: the `lifecycle` check (which verifies them, read-only) always runs, whatever the
      selection, because the caller said the bucket must have them;
    - sts_role given: the optional `sts` check runs (unless skipped); optional checks run only when named or so;

    - group names expand; `skip_checks` removes checks, except prerequisites that a selected check needs
      (connectivity -> signature_v4 -> bucket), which are always added back (implied=True);
    - check mode: checks that write are skipped (nothing is written); lifecycle runs read-only.
    """
    skipped = set(expand_checks(skip_checks) if skip_checks else [])
    selected = [n for n in expand_checks(checks) + (['sts'] if sts_role else []) if n not in skipped]
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
        plan.append((name, reason, implied))
    return plan
