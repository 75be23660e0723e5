#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: metastore_backup_info
short_description: List the metastore backups in an S3 bucket or a directory, with their manifests
version_added: 0.1.0
description:
  - Lists the backups written by M(dataplatform.lakehouse.metastore_backup) under a destination, newest first.
  - A backup is listed as good only when its manifest exists and the dump matches it (size, and the ETag on S3; with
    O(verify_checksums) the sha256 too). Anything else that looks like a backup (a dump without manifest, a partial
    file, an incomplete multipart upload, a mismatch) is returned under RV(invalid) with the reason, never as good.
  - Reads only; never changes anything.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    support: full
    description: Reads only, the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
options:
  endpoint_url:
    description: S3 endpoint, required with O(bucket).
    required: false
  access_key:
    description: S3 access key, required with O(bucket).
    required: false
  secret_key:
    description: S3 secret key, required with O(bucket). Never logged.
    required: false
  bucket:
    description: Bucket holding the backups. One of O(bucket) and O(directory) is required.
    type: str
  prefix:
    description: Key prefix of the backups in O(bucket).
    type: str
    default: ''
  directory:
    description: Directory holding the backups.
    type: path
  database:
    description: Only the backups of this database.
    type: str
  verify_checksums:
    description: Read every dump and compare its sha256 with the manifest (otherwise size, and the ETag on S3).
    type: bool
    default: false
seealso:
  - module: dataplatform.lakehouse.metastore_backup
'''

EXAMPLES = r'''
- name: List the catalog database's backups on Ceph RGW, re-hashing every dump
  dataplatform.lakehouse.metastore_backup_info:
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    bucket: metastore-backups
    prefix: metastore
    database: polaris
    verify_checksums: true
  register: backups

- name: The newest good backup
  ansible.builtin.debug:
    msg: "{{ backups.backups[0].name }} ({{ backups.backups[0].age_days }} days old)"
'''

RETURN = r'''
backups:
  description:
    - Good backups, newest first, each with name, database, started_at, finished_at, age_days, size, sha256,
      location, manifest_location and the full manifest (see M(dataplatform.lakehouse.metastore_backup)).
  returned: always
  type: list
  elements: dict
invalid:
  description: Everything under the destination that looks like a backup but is not a good one, with the reason.
  returned: always
  type: list
  elements: dict
  sample:
    - name: polaris-20261126T101502.123Z
      file: polaris-20261126T101502.123Z.dump
      reason: dump without manifest (incomplete or interrupted backup)
destination:
  description: Where the backups were looked for.
  returned: always
  type: str
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.metastore import (
    describe_unexpected,
    run_list,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.stores import open_store
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_argument_spec,
)


def main():
    module = LakehouseModule(
        argument_spec=dict(
            bucket=dict(type='str'),
            prefix=dict(type='str', default=''),
            directory=dict(type='path'),
            database=dict(type='str'),
            verify_checksums=dict(type='bool', default=False),
        ),
        # S3 is optional here: endpoint and keys are required only with a bucket (required_by below).
        connections=[s3_argument_spec(required=False)],
        mutually_exclusive=[('bucket', 'directory')],
        required_one_of=[('bucket', 'directory')],
        required_by={'bucket': ('endpoint_url', 'access_key', 'secret_key')},
        supports_check_mode=True,
    )
    params = module.params
    if params['bucket']:
        module.require('boto3', BOTO3_IMPORT_ERROR)
    module.run(run_list, params, open_store(params), warn=module.warn,
               describe=describe_unexpected('metastore_backup_info'))


if __name__ == '__main__':
    main()
