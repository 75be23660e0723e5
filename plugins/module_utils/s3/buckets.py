# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Buckets: existence, creation, and the s3_bucket module's converge (bucket plus lifecycle rules).

Why our own and not amazon.aws.s3_bucket / community.aws.s3_lifecycle (measured on Ceph RGW 16.2 with amazon.aws
10.1.2 and community.aws 10.0.0): amazon.aws.s3_bucket is idempotent with ``ceph: true`` but has no check mode
("remote module does not support check mode"), and community.aws.s3_lifecycle reports ``changed: true`` on every
run with the same rule. The converge here reads the current state, computes the difference (lifecycle rules
merged by id), writes only that, and reads the rules back.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BotoCoreError,
    ClientError,
    s3_client,
    s3_connection_params,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import (
    describe_s3_error,
    error_code,
    http_status,
    is_not_found,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.lifecycle import (
    apply_rules,
    diff_text,
    merge_lifecycle_rules,
    read_rules,
    rule_from_s3,
    rule_problems,
    verify_rules,
)


class S3BucketError(LakehouseError):
    """A bucket could not be brought to the requested state (one line: what and what to do)."""


def valid_bucket_name(name):
    """None when `name` is a usable S3 bucket name, else the one-line problem."""
    if not 3 <= len(name) <= 63 or name != name.lower() or name.startswith(('.', '-')) or ' ' in name:
        return 'bucket %r is not a valid S3 bucket name: use 3 to 63 lowercase letters, digits, dots and hyphens' % name
    return None


def bucket_exists(client, name):
    """True/False from a HEAD of the bucket; any other failure (403, connection) is raised as it came."""
    try:
        client.head_bucket(Bucket=name)
        return True
    except ClientError as exc:
        if is_not_found(exc):
            return False
        raise


def create_bucket(client, name, region=None):
    """CreateBucket, with the LocationConstraint S3 wants outside us-east-1."""
    kwargs = dict(Bucket=name)
    if region and region != 'us-east-1':
        kwargs['CreateBucketConfiguration'] = {'LocationConstraint': region}
    client.create_bucket(**kwargs)


def _is_empty(client, name):
    listing = client.list_objects_v2(Bucket=name, MaxKeys=1)
    if listing.get('KeyCount'):
        return False
    uploads = client.list_multipart_uploads(Bucket=name, MaxUploads=1)
    return not uploads.get('Uploads')


def _state(exists, rules):
    return dict(exists=exists, lifecycle_rules=[rule_from_s3(r) for r in rules] if exists else [])


def converge_bucket(params, check_mode=False):
    """The s3_bucket module: bring params['name'] to params['state'] with its lifecycle rules.

    Returns the module result: changed, bucket {name, exists, created, deleted}, lifecycle {diff, rule_ids},
    diff {before, after}, msg. Every input is validated before the first request: an invalid rule creates nothing.
    """
    name = params['name']
    problem = valid_bucket_name(name) or '; '.join(rule_problems(params['lifecycle_rules']))
    if problem:
        raise S3BucketError('%s; nothing was created or changed.' % problem)
    conn = s3_connection_params(params)
    endpoint = conn['endpoint_url']
    client = s3_client(conn)
    action = 'Reading bucket %s' % name
    try:
        exists = bucket_exists(client, name)
        before = _state(exists, read_rules(client, name) if exists else [])
        if params['state'] == 'absent':
            return _absent(client, name, exists, before, check_mode, endpoint)
        result = dict(changed=False, bucket=dict(name=name, exists=True, created=False, deleted=False))
        if not exists:
            action = 'Creating bucket %s' % name
            if not check_mode:
                create_bucket(client, name, conn.get('region'))
            result.update(changed=True)
            result['bucket']['created'] = True
        existing = read_rules(client, name) if exists else []
        action = 'Setting the lifecycle rules of bucket %s' % name
        info = apply_rules(client, name, existing, params['lifecycle_rules'], check_mode=check_mode,
                           purge=params['purge_lifecycle_rules'])
        result['changed'] = result['changed'] or info['changed']
        if check_mode:
            after_rules = _planned_rules(existing, params)
        else:
            action = 'Reading back the lifecycle rules of bucket %s' % name
            after_rules, wrong = verify_rules(client, name, params['lifecycle_rules'])
            if wrong:
                raise S3BucketError(
                    'The lifecycle rules of bucket %s read back differ from what was put (%s): the gateway rewrote '
                    'them; check which rule fields it supports (RGW: the rgw_lc_* settings).' % (name, sorted(wrong)),
                    changed=True)
    except (ClientError, BotoCoreError) as exc:
        raise S3BucketError(_describe(_signed_cause(client, exc), endpoint, action))
    result['lifecycle'] = dict(diff=info['diff'], rule_ids=[r.get('ID') for r in after_rules])
    result['diff'] = dict(before=before, after=_state(True, after_rules))
    result['msg'] = 'bucket %s %s; lifecycle rules %s%s' % (
        name, 'created' if result['bucket']['created'] else 'exists', diff_text(info['diff']),
        ' (check mode: nothing written)' if check_mode and result['changed'] else '')
    return result


def _planned_rules(existing, params):
    """The rules the bucket would have after apply_rules (check mode), in S3's form."""
    rules, _changed, _diff = merge_lifecycle_rules(existing, params['lifecycle_rules'],
                                                   purge=params['purge_lifecycle_rules'])
    return rules


def _absent(client, name, exists, before, check_mode, endpoint):
    result = dict(changed=exists, bucket=dict(name=name, exists=False, created=False, deleted=exists),
                  lifecycle=dict(diff={}, rule_ids=[]), diff=dict(before=before, after=_state(False, [])))
    if not exists:
        result['msg'] = 'bucket %s does not exist' % name
        return result
    if not _is_empty(client, name):
        raise S3BucketError('Bucket %s on %s is not empty: the module deletes only empty buckets; remove its objects '
                            'and multipart uploads first (nothing was deleted).' % (name, endpoint))
    if not check_mode:
        client.delete_bucket(Bucket=name)
    result['msg'] = 'bucket %s %sdeleted' % (name, 'would be ' if check_mode else '')
    return result


def _signed_cause(client, exc):
    """A HEAD answers 403 without a body for a wrong key as for a foreign bucket: a signed ListBuckets tells which."""
    if http_status(exc) != 403 or error_code(exc) not in ('403', 'Forbidden', None):
        return exc
    try:
        client.list_buckets()
    except ClientError as signed:
        return signed
    return exc


def _describe(exc, endpoint, action):
    if error_code(exc) in ('BucketAlreadyExists',):
        return ('%s on %s failed: the name is taken by another account; choose another bucket name.'
                % (action, endpoint))
    if http_status(exc) == 403 and error_code(exc) in ('403', 'Forbidden') and action.startswith('Reading bucket'):
        return ('%s on %s failed with 403: the bucket exists but these credentials may not access it (it may belong '
                'to another user); use its owner\'s keys or another name.' % (action, endpoint))
    return describe_s3_error(exc, endpoint, action=action)
