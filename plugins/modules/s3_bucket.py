#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: s3_bucket
short_description: An S3 bucket and its lifecycle rules on Ceph RGW or any S3 endpoint, with check and diff mode
version_added: 0.2.0
description:
  - Ensures that a bucket exists with the lifecycle rules given (merged by rule id into the rules it already has),
    or that it is absent.
  - Reads the current state first and writes only the difference; the rules are read back after a change. A second
    run with the same input reports C(changed=false).
  - Every input is validated before the first request, so an invalid rule creates nothing (not even the bucket).
  - Why not M(amazon.aws.s3_bucket) and M(community.aws.s3_lifecycle), measured on Ceph RGW 16.2 with amazon.aws
    10.1.2 and community.aws 10.0.0 - the first is idempotent with C(ceph=true) but has no check mode, the second
    reports C(changed) on every run with the same rule. For bucket features beyond these (policies, tags,
    encryption, versioning), use M(amazon.aws.s3_bucket) with C(ceph=true).
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    support: full
    description: Reads the bucket and its rules and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: C(before)/C(after) of the bucket's existence and its lifecycle rules (canonical form).
options:
  name:
    description: Name of the bucket (3 to 63 lowercase letters, digits, dots and hyphens).
    type: str
    required: true
    aliases: [bucket]
  state:
    description:
      - V(present) creates the bucket when missing and ensures O(lifecycle_rules).
      - V(absent) deletes the bucket. Only an empty bucket (no objects, no multipart uploads) is deleted; a
        non-empty one is an error and nothing is deleted.
    type: str
    choices: [present, absent]
    default: present
  lifecycle_rules:
    description:
      - Lifecycle rules to ensure, each identified by its O(lifecycle_rules[].id). A rule that differs is replaced;
        rules of the bucket with other ids are kept unless O(purge_lifecycle_rules=true).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description: Rule ID (unique in the bucket, at most 255 characters).
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
        description: Delete objects this many days after creation (a whole number, at least 1).
        type: int
      noncurrent_expiration_days:
        description: Delete noncurrent object versions this many days after they became noncurrent.
        type: int
      abort_incomplete_multipart_days:
        description: Abort incomplete multipart uploads this many days after they started.
        type: int
  purge_lifecycle_rules:
    description:
      - Remove the bucket's lifecycle rules whose id is not in O(lifecycle_rules). With O(lifecycle_rules=[]) this
        removes the bucket's whole lifecycle configuration.
    type: bool
    default: false
notes:
  - Needs C(boto3).
seealso:
  - module: amazon.aws.s3_bucket
  - module: dataplatform.lakehouse.ceph_s3_validate
'''

EXAMPLES = r'''
- name: The warehouse bucket, with its multipart clean-up rule
  dataplatform.lakehouse.s3_bucket:
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    name: lakehouse-warehouse
    lifecycle_rules:
      - id: abort-incomplete-multipart-uploads
        abort_incomplete_multipart_days: 7
      - id: expire-tmp
        prefix: tmp/
        expiration_days: 3

- name: Exactly these rules (others removed), connection from module_defaults
  module_defaults:
    group/dataplatform.lakehouse.lakehouse:
      endpoint_url: http://127.0.0.1:7480
      access_key: "{{ s3_access_key }}"
      secret_key: "{{ s3_secret_key }}"
  dataplatform.lakehouse.s3_bucket:
    name: iceberg-test
    lifecycle_rules:
      - id: abort-incomplete-multipart-uploads
        abort_incomplete_multipart_days: 1
    purge_lifecycle_rules: true

- name: Remove an empty scratch bucket
  dataplatform.lakehouse.s3_bucket:
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    name: scratch-bucket
    state: absent
'''

RETURN = r'''
bucket:
  description: The bucket after the run (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    name:
      description: Bucket name.
      type: str
    exists:
      description: Whether the bucket exists after the run.
      type: bool
    created:
      description: Whether the run created it (or would, in check mode).
      type: bool
    deleted:
      description: Whether the run deleted it (or would, in check mode).
      type: bool
  sample: {name: lakehouse-warehouse, exists: true, created: false, deleted: false}
lifecycle:
  description:
    - What happened to the rules, by id (C(added), C(updated), C(removed), C(unchanged), C(kept)), and the ids on the
      bucket after the run (C(rule_ids), read back unless in check mode).
  returned: always
  type: dict
  sample: {diff: {added: [expire-tmp], updated: [], removed: [], unchanged: [abort-incomplete-multipart-uploads],
           kept: []}, rule_ids: [abort-incomplete-multipart-uploads, expire-tmp]}
diff:
  description: C(before) and C(after), each C({exists, lifecycle_rules}); only in diff mode.
  returned: when diff mode is on
  type: dict
msg:
  description: One line saying what was done.
  returned: always
  type: str
  sample: "bucket lakehouse-warehouse exists; lifecycle rules added expire-tmp"
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.buckets import converge_bucket
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_argument_spec,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.lifecycle import rule_argument_spec


def argument_spec():
    """The module's own options (the S3 connection options come from the S3 layer)."""
    return dict(
        name=dict(type='str', required=True, aliases=['bucket']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        lifecycle_rules=rule_argument_spec(),
        purge_lifecycle_rules=dict(type='bool', default=False),
    )


def main():
    module = LakehouseModule(argument_spec=argument_spec(), connections=[s3_argument_spec()],
                             requirements=[('boto3', BOTO3_IMPORT_ERROR)], supports_check_mode=True)
    module.run(converge_bucket, module.params, check_mode=module.check_mode,
               describe=lambda exc: 's3_bucket failed unexpectedly: %s: %s' % (type(exc).__name__, one_line(exc, 300)))


if __name__ == '__main__':
    main()
