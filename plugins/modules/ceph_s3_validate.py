#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ceph_s3_validate
short_description: Tell whether Apache Iceberg will work on an S3 endpoint (Ceph RGW), and why not
version_added: 0.1.0
description:
  - Runs checks against an S3 endpoint, in a bucket and under a prefix, that cover what Iceberg, pyarrow and
    PyIceberg need from object storage - connectivity and SigV4 (path-style; virtual-hosted style informational),
    server identification, bucket and object operations with exact C(Content-Length), read-after-write and
    list-after-write/delete consistency, ranged GETs, ListObjectsV2 pagination past 1000 keys, DeleteObjects
    batches of 250 and 1000, multipart uploads, checksum behaviour of boto3 and of pyarrow with SDK defaults and
    with C(when_required), presigned URLs, lifecycle configuration, a Parquet write/read cycle, an Iceberg round
    trip (PyIceberg SqlCatalog on sqlite in a temporary directory) and a performance baseline.
  - Every check returns C(name), C(status) (V(pass), V(fail), V(warn) or V(skip)), C(duration_ms), C(detail) and
    C(remedy). A V(warn) means the check works with the settings named in C(remedy) and
    RV(recommended_client_config).
  - The pyarrow and PyIceberg checks run in child processes of the module's Python interpreter with a controlled
    environment (pyarrow reads E(AWS_REQUEST_CHECKSUM_CALCULATION) when its S3 filesystem is created), so the
    module's own environment is never changed.
  - The module fails when a check that Iceberg needs fails (unless O(fail_on_incompatible=false)), with a one-line
    message naming the failing checks and their remedies.
  - Everything written goes under O(prefix)/<run id>/ and is deleted at the end (unless O(cleanup=false)).
    The module is a probe and never reports C(changed) - the bucket and its lifecycle rules are configuration, set
    with M(dataplatform.lakehouse.s3_bucket).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - Only read-only checks run (connectivity, signature_v4, bucket, virtual_host and a read of the lifecycle
        configuration, which verifies O(lifecycle_rules) when given); nothing is written.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  bucket:
    description:
      - Bucket to work in. It must exist (create it with M(dataplatform.lakehouse.s3_bucket)).
      - Bucket names need 3 to 63 lowercase characters.
    type: str
    required: true
  prefix:
    description:
      - Key prefix to work under. Each run writes below C(<prefix>/<run id>/) only (see RV(run_prefix)).
    type: str
    default: ceph-s3-validate
  checks:
    description:
      - Checks to run, by name or group. Groups - V(all); V(compatibility) (all but V(performance)); V(required)
        (the checks Iceberg needs); V(readonly) (V(connectivity), V(signature_v4), V(bucket), V(virtual_host).
      - The prerequisites V(connectivity), V(signature_v4) and V(bucket) are always added when a selected check
        needs them.
      - C(connectivity) - unsigned GET / (TCP/TLS), server identification.
        C(signature_v4) - a SigV4 path-style ListBuckets.
        C(bucket) - HEAD/LIST of the bucket, creation when allowed.
        C(virtual_host) - virtual-hosted-style request (informational).
        C(checksum_boto3) - PutObject/UploadPart/GetObject/upload_fileobj with botocore checksum defaults and
        with V(when_required); also which explicit checksum algorithms are accepted (informational).
        C(checksum_pyarrow) - pyarrow S3FileSystem small and multipart writes, reads and a ranged read, with SDK
        defaults and with E(AWS_REQUEST_CHECKSUM_CALCULATION=when_required), each in a child process.
        C(bucket_create_delete) - scratch bucket create/head/list/delete (informational; needs the right to create buckets).
        C(object_crud), C(consistency), C(ranged_get), C(list_pagination) (1250 keys), C(delete_batch),
        C(multipart), C(presigned) (informational), C(lifecycle) (informational unless O(lifecycle_rules)),
        C(parquet), C(iceberg), C(performance).
        C(sts) (optional, in no group, runs when named or with O(sts_role_arn), which it needs) - STS AssumeRole of
        O(sts_role_arn) with a session policy scoped to one prefix, as Apache Polaris sends it to vend credentials;
        the temporary credentials must write, read and list inside that prefix and get AccessDenied outside it.
      - The checks after C(checksum_boto3)/C(checksum_pyarrow) use the checksum setting those found to work.
        Without them, the configured O(request_checksum_calculation)/O(response_checksum_validation) are used.
    type: list
    elements: str
    default: [all]
    choices: [all, compatibility, readonly, required, connectivity, signature_v4, bucket, virtual_host,
              checksum_boto3, checksum_pyarrow, bucket_create_delete, object_crud, consistency, ranged_get,
              list_pagination, delete_batch, multipart, presigned, lifecycle, parquet, iceberg, performance, sts]
  skip_checks:
    description:
      - Checks (or groups) to leave out of O(checks). Prerequisites that a remaining check needs still run.
    type: list
    elements: str
    default: []
    choices: [all, compatibility, readonly, required, connectivity, signature_v4, bucket, virtual_host,
              checksum_boto3, checksum_pyarrow, bucket_create_delete, object_crud, consistency, ranged_get,
              list_pagination, delete_batch, multipart, presigned, lifecycle, parquet, iceberg, performance, sts]
  sts_role_arn:
    description:
      - Role to assume for the C(sts) check (Ceph RGW, V(arn:aws:iam:::role/<name>); the local stack's, with
        C(local_stack_rgw_sts), is in C(credentials/sts.json)). Given, the C(sts) check runs and is required, the
        endpoint must be able to vend location-scoped credentials (C(docs/credential-vending.md)).
    type: str
  sts_endpoint_url:
    description: STS endpoint of the C(sts) check. Default O(endpoint_url) (Ceph RGW answers STS there).
    type: str
  fail_on_incompatible:
    description:
      - Fail when a check that Iceberg needs fails (RV(compatible=false)). With V(false) the module returns the
        results and RV(compatible) without failing.
    type: bool
    default: true
  cleanup:
    description:
      - Delete every object written under RV(run_prefix) and abort its multipart uploads at the end.
      - A scratch bucket of the C(bucket_create_delete) check (C(<bucket>-s3v-<random>)) is always deleted.
    type: bool
    default: true
  lifecycle_rules:
    description:
      - Lifecycle rules O(bucket) must have, as M(dataplatform.lakehouse.s3_bucket) takes them. The C(lifecycle)
        check then is required and verifies, read-only, that each rule is on the bucket as declared (rules with other
        ids are ignored); it never writes them.
      - Without it the C(lifecycle) check does a put/get round trip with a temporary rule, only on a bucket that has
        no lifecycle configuration, and removes it again.
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: Rule ID (unique in the bucket).
        type: str
        required: true
      prefix:
        description: Key prefix the rule applies to (empty = the whole bucket).
        type: str
        default: ''
      enabled:
        description: Rule status.
        type: bool
        default: true
      expiration_days:
        description: Delete objects this many days after creation.
        type: int
      noncurrent_expiration_days:
        description: Delete noncurrent object versions this many days after they became noncurrent.
        type: int
      abort_incomplete_multipart_days:
        description: Abort multipart uploads not completed this many days after they started.
        type: int
  baseline:
    description:
      - Options of the C(performance) check.
    type: dict
    default: {}
    suboptions:
      object_size:
        description: Size in bytes of the small objects timed one by one (put, get, head, list, delete).
        type: int
        default: 4096
      iterations:
        description: Number of small objects (and of timed operations per kind).
        type: int
        default: 50
      concurrency:
        description:
          - Threads for the large-object transfers (boto3 C(TransferConfig.max_concurrency)), for the concurrent
            mixed small-object ops/s (the 1250 keys of C(list_pagination) are written by 16 threads).
        type: int
        default: 4
      large_object_size:
        description: Size in bytes of the object used for the put/get throughput.
        type: int
        default: 33554432
      large_iterations:
        description: How many times the large object is put and got (the median is reported).
        type: int
        default: 2
      part_size:
        description: Multipart threshold and part size in bytes of the large transfers.
        type: int
        default: 8388608
      throughput_sizes:
        description:
          - Object sizes in bytes of the throughput sweep (C(throughput_by_size)), each put and got with the same
            transfer settings as O(baseline.large_object_size), which is always measured too. Objects below
            O(baseline.part_size) are repeated 4 to 8 times, the larger ones
            measured once (O(baseline.large_object_size) O(baseline.large_iterations) times).
          - V([]) measures only O(baseline.large_object_size).
        type: list
        elements: int
        default: [4096, 16384, 65536, 262144, 1048576, 4194304, 8388608, 16777216, 33554432, 67108864]
      max_op_seconds:
        description:
          - The check fails when any small-object operation takes longer (the seed's "S3 operations complete
            within 5 seconds").
        type: float
        default: 5.0
  worker_timeout:
    description: Seconds each pyarrow/PyIceberg child process may run.
    type: int
    default: 300
requirements:
  - boto3 >= 1.36
  - pyarrow (checksum_pyarrow, parquet, iceberg checks)
  - pyiceberg[sql-sqlite] >= 0.12 (iceberg check)
notes:
  - The checksum finding depends on the scheme; run the module against the scheme the clients will use. Over HTTPS
    the SDKs send aws-chunked payloads with trailing checksums, which older Ceph RGW releases reject with
    C(411 MissingContentLength).
  - pyarrow cannot skip certificate verification; for a private CA set O(ca_bundle). It is passed to pyarrow as
    C(tls_ca_file_path) and, because PyIceberg 0.12 passes no CA file to pyarrow, exported as E(SSL_CERT_FILE) to the
    PyIceberg child process; C(recommended_client_config.environment) then names E(SSL_CERT_FILE) too.
  - On Ceph RGW 16.2 (Pacific) the module finds - over HTTP, boto3 works with SDK defaults but pyarrow needs
    E(AWS_REQUEST_CHECKSUM_CALCULATION=when_required); over HTTPS both need V(when_required)
    (C(411 MissingContentLength) otherwise).
seealso:
  - name: Ceph RGW S3 API compatibility
    description: Features of the S3 API supported by the Ceph Object Gateway.
    link: https://docs.ceph.com/en/latest/radosgw/s3/
'''

EXAMPLES = r'''
- name: Validate the local stack's RGW for Iceberg (fails with the remedy when incompatible)
  dataplatform.lakehouse.ceph_s3_validate:
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    bucket: lakehouse
  register: s3_validation

- name: Export the settings that work for later plays
  ansible.builtin.set_fact:
    lakehouse_s3_env: "{{ s3_validation.recommended_client_config.environment }}"

- name: Only the compatibility checks, verify that the bucket has its lifecycle rules, report without failing
  dataplatform.lakehouse.ceph_s3_validate:
    endpoint_url: "{{ s3_endpoint_url }}"
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    bucket: warehouse
    prefix: validation
    checks: [compatibility]
    skip_checks: [presigned]
    fail_on_incompatible: false
    lifecycle_rules:
      - id: abort-incomplete-uploads
        abort_incomplete_multipart_days: 1
      - id: expire-tmp
        prefix: tmp/
        expiration_days: 7

- name: Performance baseline only, 8 threads, 64 MiB objects
  dataplatform.lakehouse.ceph_s3_validate:
    endpoint_url: "{{ s3_endpoint_url }}"
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    bucket: warehouse
    checks: [performance]
    baseline:
      concurrency: 8
      large_object_size: 67108864
      iterations: 100
'''

RETURN = r'''
compatible:
  description: True when no check that Iceberg needs failed (warnings included).
  returned: always
  type: bool
  sample: true
checks:
  description: One result per planned check, in execution order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Check name.
      type: str
      sample: checksum_pyarrow
    status:
      description: V(pass), V(fail), V(warn) (works with the settings in C(remedy)) or V(skip).
      type: str
      sample: warn
    duration_ms:
      description: Wall time of the check in milliseconds.
      type: float
      sample: 812.4
    detail:
      description: One line saying what was measured or why it failed.
      type: str
    remedy:
      description: What to do about a failure or warning (null when passed).
      type: str
    required:
      description: Whether Iceberg needs this check to pass.
      type: bool
    data:
      description: Measured facts of the check (per-operation results, timings, error codes).
      type: dict
  sample:
    - name: checksum_pyarrow
      status: warn
      duration_ms: 1350.2
      detail: >-
        pyarrow 26.0.1 S3FileSystem fails with SDK checksum defaults over HTTP (write_large: ... 411
        MissingContentLength); works with AWS_REQUEST_CHECKSUM_CALCULATION=when_required
      remedy: "export AWS_REQUEST_CHECKSUM_CALCULATION=when_required and AWS_RESPONSE_CHECKSUM_VALIDATION=when_required ..."
      required: true
      data: {}
summary:
  description: Number of checks per status.
  returned: always
  type: dict
  sample: {pass: 15, warn: 2, fail: 0, skip: 1}
failed_checks:
  description: Names of the checks that failed (required or not).
  returned: always
  type: list
  elements: str
recommended_client_config:
  description:
    - Client settings that work on this endpoint, for the roles that use it afterwards.
    - C(environment) holds the variables to export for every process using pyarrow/PyIceberg/boto3 (empty when SDK
      defaults work; E(SSL_CERT_FILE) for an https endpoint with O(ca_bundle));
      C(request_checksum_calculation)/C(response_checksum_validation) are for boto3 clients
      (and this collection's O(request_checksum_calculation) options); C(measured) says which findings were measured.
  returned: always
  type: dict
  sample:
    signature_version: s3v4
    addressing_style: path
    virtual_host_addressing: null
    request_checksum_calculation: when_supported
    response_checksum_validation: when_supported
    environment:
      AWS_REQUEST_CHECKSUM_CALCULATION: when_required
      AWS_RESPONSE_CHECKSUM_VALIDATION: when_required
    pyiceberg_properties:
      s3.endpoint: http://127.0.0.1:7480
      s3.region: us-east-1
      s3.force-virtual-addressing: 'false'
    measured: {boto3: true, pyarrow: true}
baseline:
  description: Result of the C(performance) check (empty when it did not run).
  returned: always
  type: dict
  contains:
    latency_ms:
      description:
        - Per operation (put, get, head, list, delete) C(count), C(min_ms), C(mean_ms), C(p50_ms), C(p95_ms),
          C(p99_ms), C(max_ms); percentiles by linear interpolation between closest ranks (numpy's default).
        - C(list) is a ListObjectsV2 of the prefix that holds the O(baseline.iterations) small objects.
      type: dict
    phase_seconds:
      description: Wall time of the phases (C(small_sequential), C(small_timed), C(mixed_concurrent),
        C(throughput_data_generation), C(throughput_sweep), C(throughput_timed)); C(*_timed) is the sum of the timed
        requests alone, to see the check's own overhead.
      type: dict
    ops_per_second:
      description: Sequential ops/s per operation and C(mixed_concurrent) (put+head+get+delete with
        C(concurrency) threads).
      type: dict
    throughput_mb_s:
      description: Median C(put) and C(get) throughput of the large object in MB/s (10^6 bytes).
      type: dict
    throughput_by_size:
      description:
        - One entry per size of O(baseline.throughput_sizes) (and O(baseline.large_object_size)), smallest first,
          with C(size_bytes), C(iterations), C(multipart) (whether the size reaches O(baseline.part_size)),
          median C(put_mb_s) and C(get_mb_s) (10^6 bytes per s), C(put_p50_ms) and C(get_p50_ms).
      type: list
      elements: dict
    saturation_size_bytes:
      description: For C(put) and C(get), the smallest size whose throughput reaches 90% of the best size's.
      type: dict
    max_op_seconds:
      description: Slowest small-object operation.
      type: float
    within_threshold:
      description: Whether every small-object operation finished within C(threshold_seconds).
      type: bool
  sample:
    latency_ms: {get: {count: 50, p50_ms: 4.2, p95_ms: 6.1, p99_ms: 8.0}}
    throughput_mb_s: {put: 150.2, get: 320.5}
    within_threshold: true
server:
  description: Server identification from the response headers (C(product) is a guess - ceph-rgw, moto, minio, ...).
  returned: always
  type: dict
  sample: {product: ceph-rgw, server_header: null, request_id: tx00000c4a5ef2a6f8a1b2c-0067a1b2c3-1014-default, tls: false}
lifecycle:
  description: Lifecycle findings - C(existing_rule_ids) on the bucket and, with O(lifecycle_rules),
    C(expected_rule_ids).
  returned: always
  type: dict
cleanup:
  description: What was removed at the end (C(objects_deleted), C(uploads_aborted), C(scratch_buckets_deleted),
    C(objects_left), C(errors)).
  returned: always
  type: dict
run_prefix:
  description: Prefix in the bucket under which this run wrote (kept when O(cleanup=false)).
  returned: always
  type: str
  sample: ceph-s3-validate/20261126t101500-1a2b3c/
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_argument_spec,
    s3_connection_params,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.baseline import BASELINE_DEFAULTS
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import CHECK_CHOICES
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.lifecycle import rule_argument_spec, rule_problems
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.validator import (
    S3ValidationError,
    validate,
)


def connections():
    """The connection layers whose options the module takes (the S3 layer)."""
    return [s3_argument_spec()]


def argument_spec():
    """The module's own options (the connection options come from connections())."""
    return dict(
        bucket=dict(type='str', required=True),
        prefix=dict(type='str', default='ceph-s3-validate'),
        checks=dict(type='list', elements='str', default=['all'], choices=list(CHECK_CHOICES)),
        skip_checks=dict(type='list', elements='str', default=[], choices=list(CHECK_CHOICES)),
        fail_on_incompatible=dict(type='bool', default=True),
        cleanup=dict(type='bool', default=True),
        lifecycle_rules=rule_argument_spec(),
        sts_role_arn=dict(type='str'),
        sts_endpoint_url=dict(type='str'),
        baseline=dict(
            type='dict', default={},
            options=dict(
                object_size=dict(type='int', default=BASELINE_DEFAULTS['object_size']),
                iterations=dict(type='int', default=BASELINE_DEFAULTS['iterations']),
                concurrency=dict(type='int', default=BASELINE_DEFAULTS['concurrency']),
                large_object_size=dict(type='int', default=BASELINE_DEFAULTS['large_object_size']),
                large_iterations=dict(type='int', default=BASELINE_DEFAULTS['large_iterations']),
                part_size=dict(type='int', default=BASELINE_DEFAULTS['part_size']),
                throughput_sizes=dict(type='list', elements='int', default=BASELINE_DEFAULTS['throughput_sizes']),
                max_op_seconds=dict(type='float', default=BASELINE_DEFAULTS['max_op_seconds']),
            ),
        ),
        worker_timeout=dict(type='int', default=300),
    )


def check_params(params):
    """Value checks the argument spec cannot express. Returns a message or None."""
    bucket = params['bucket']
    if not 3 <= len(bucket) <= 63 or bucket != bucket.lower():
        return 'bucket %r is not a valid S3 bucket name: use 3 to 63 lowercase characters' % bucket
    problems = rule_problems(params.get('lifecycle_rules'))
    if problems:
        return '; '.join(problems)
    if 'sts' in (params.get('checks') or []) and not params.get('sts_role_arn'):
        return 'the sts check needs sts_role_arn (the role to assume, e.g. arn:aws:iam:::role/lakehouse-catalog)'
    base = params.get('baseline') or {}
    for name in ('object_size', 'iterations', 'concurrency', 'large_object_size', 'large_iterations', 'part_size'):
        if base.get(name) is not None and base[name] < 1:
            return 'baseline.%s must be a positive integer' % name
    if any(size < 1 for size in base.get('throughput_sizes') or []):
        return 'baseline.throughput_sizes must be positive sizes in bytes'
    if base.get('part_size') is not None and base['part_size'] < 5 * 1024 * 1024:
        return 'baseline.part_size must be at least 5 MiB (5242880): S3 rejects smaller multipart parts'
    return None


def run_validation(params, check_mode=False):
    """The module result of one validation run; S3ValidationError for bad parameters and, with
    fail_on_incompatible, for an endpoint Iceberg cannot use (then with the whole result)."""
    problem = check_params(params)
    if problem:
        raise S3ValidationError(problem)
    conn = s3_connection_params(params)
    result = validate(conn, params, check_mode=check_mode)
    failure = result.pop('failure_message')
    if failure and params['fail_on_incompatible']:
        raise S3ValidationError(failure, **result)
    summary = result['summary']
    result['msg'] = '%s: %d pass, %d warn, %d fail, %d skip; compatible=%s' % (
        conn['endpoint_url'], summary['pass'], summary['warn'], summary['fail'], summary['skip'],
        result['compatible'])
    return result


def main():
    module = LakehouseModule(argument_spec=argument_spec(), connections=connections(),
                             requirements=[('boto3', BOTO3_IMPORT_ERROR)], supports_check_mode=True)
    module.run(run_validation, module.params, check_mode=module.check_mode,
               describe=lambda exc: 'ceph_s3_validate failed unexpectedly: %s: %s' % (
                   type(exc).__name__, one_line(exc, 300)))


if __name__ == '__main__':
    main()
