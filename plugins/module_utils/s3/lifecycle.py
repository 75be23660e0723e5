# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lifecycle-rule configuration of a bucket: the rules as module data and as S3 has them, their comparison,
the merge of desired rules into the bucket's (by rule id) and applying them with a read-back.

This is S3 configuration: the s3_bucket module ensures rules through it, ceph_s3_validate verifies rules read-only
with it, and platform_info reads rules back in the same canonical form (rule_from_s3)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import ClientError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import error_code


DAY_FIELDS = ('expiration_days', 'noncurrent_expiration_days', 'abort_incomplete_multipart_days')
MAX_RULES = 1000  # S3's limit of rules in one lifecycle configuration
MAX_ID_LENGTH = 255


def rule_argument_spec():
    """The argument spec of one lifecycle rule given as data (the s3_bucket module's lifecycle_rules)."""
    return dict(
        type='list', elements='dict', default=[],
        options=dict(
            id=dict(type='str', required=True),
            prefix=dict(type='str', default=''),
            enabled=dict(type='bool', default=True),
            expiration_days=dict(type='int'),
            noncurrent_expiration_days=dict(type='int'),
            abort_incomplete_multipart_days=dict(type='int'),
        ),
        required_one_of=[('expiration_days', 'noncurrent_expiration_days', 'abort_incomplete_multipart_days')],
    )


def rule_problems(rules):
    """What is wrong with lifecycle rules given as data, checked before anything is sent: one line per problem,
    naming the rule and the field ([] when they are valid). S3 wants whole positive days and unique ids of at
    most 255 characters; a rule needs at least one action."""
    problems = []
    seen = set()
    rules = rules or []
    if len(rules) > MAX_RULES:
        problems.append('lifecycle_rules: %d rules, S3 allows at most %d' % (len(rules), MAX_RULES))
    for index, rule in enumerate(rules):
        rid = rule.get('id')
        label = 'lifecycle_rules[%d] (id %r)' % (index, rid)
        if not isinstance(rid, str) or not rid.strip():
            problems.append('lifecycle_rules[%d].id: must be a non-empty string' % index)
        elif len(rid) > MAX_ID_LENGTH:
            problems.append('%s.id: %d characters, S3 allows at most %d' % (label, len(rid), MAX_ID_LENGTH))
        elif rid in seen:
            problems.append('%s.id: rule ids must be unique' % label)
        seen.add(rid)
        given = [f for f in DAY_FIELDS if rule.get(f) is not None]
        if not given:
            problems.append('%s: needs at least one of %s' % (label, ', '.join(DAY_FIELDS)))
        for field in given:
            value = rule[field]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append('%s.%s: %r is not a number of days; use a whole number of at least 1'
                                % (label, field, value))
    return problems


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


def merge_lifecycle_rules(existing_s3_rules, desired_rules, purge=False):
    """Merge desired rules (module data) into the bucket's rules by rule id.

    Returns (rules_to_put, changed, diff) where diff = {added, updated, unchanged, kept, removed: [ids]}.
    Rules of the bucket whose id is not in desired_rules are kept as they are, or removed with purge=True.
    """
    desired_by_id = dict((r['id'], r) for r in desired_rules)
    diff = dict(added=[], updated=[], unchanged=[], kept=[], removed=[])
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
        elif purge:
            diff['removed'].append(rid)
        else:
            diff['kept'].append(rid)
            result.append(_clean_existing_s3_rule(s3rule))
    for rule in desired_rules:
        if rule['id'] not in seen:
            diff['added'].append(rule['id'])
            result.append(rule_to_s3(rule))
    changed = bool(diff['added'] or diff['updated'] or diff['removed'])
    return result, changed, diff


def diff_text(diff):
    """'added a, b; updated c; removed d' (or 'unchanged') for the diff of merge_lifecycle_rules."""
    parts = []
    for key in ('added', 'updated', 'removed'):
        if diff.get(key):
            parts.append('%s %s' % (key, ', '.join(diff[key])))
    return '; '.join(parts) or 'unchanged'


def read_rules(client, bucket):
    """The bucket's lifecycle rules as S3 returns them ([] when it has no lifecycle configuration)."""
    try:
        return client.get_bucket_lifecycle_configuration(Bucket=bucket).get('Rules', [])
    except ClientError as exc:
        if error_code(exc) in ('NoSuchLifecycleConfiguration', 'NoSuchLifecycle'):
            return []
        raise


def put_rules(client, bucket, s3_rules):
    """Replace the bucket's lifecycle configuration by these rules (boto3 form)."""
    client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={'Rules': s3_rules})


def apply_rules(client, bucket, existing, desired, check_mode=False, purge=False):
    """Merge `desired` (module data) into the bucket's `existing` rules (as read_rules returns them) and put the
    result when that changes anything (never in check mode). S3 has no empty lifecycle configuration: when no
    rule is left, the configuration is deleted.

    Returns {existing_rule_ids, diff, changed} (diff and changed as merge_lifecycle_rules says them).
    """
    info = dict(existing_rule_ids=[r.get('ID') for r in existing])
    rules, would_change, diff = merge_lifecycle_rules(existing, desired, purge=purge)
    info.update(diff=diff, changed=would_change)
    if would_change and not check_mode:
        if rules:
            put_rules(client, bucket, rules)
        else:
            client.delete_bucket_lifecycle(Bucket=bucket)
    return info


def verify_rules(client, bucket, desired):
    """Read the rules back. Returns (rules read, {rule id: canonical rule read back or None} of the desired rules
    that came back different), in the order of `desired`."""
    after = read_rules(client, bucket)
    return after, rules_not_as_declared(after, desired)


def rules_not_as_declared(s3_rules, desired):
    """{rule id: canonical rule on the bucket, or None when missing} of the desired rules (module data) that the
    bucket's rules (as S3 returns them) do not have as declared."""
    by_id = dict((r.get('ID'), rule_from_s3(r)) for r in s3_rules)
    return dict((r['id'], by_id.get(r['id'])) for r in desired if by_id.get(r['id']) != canonical_rule(r))
