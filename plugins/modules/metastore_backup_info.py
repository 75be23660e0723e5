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

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.pg_backup import (
    BackupError,
    DirectoryStore,
    MetastoreBackup,
    S3Store,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_argument_spec,
    s3_client,
    s3_connection_params,
)


def main():
    spec = s3_argument_spec()
    for name in ('endpoint_url', 'access_key', 'secret_key'):
        spec[name]['required'] = False  # required only with a bucket (required_by below)
    spec.update(
        bucket=dict(type='str'),
        prefix=dict(type='str', default=''),
        directory=dict(type='path'),
        database=dict(type='str'),
        verify_checksums=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=spec,
        mutually_exclusive=[('bucket', 'directory')],
        required_one_of=[('bucket', 'directory')],
        required_by={'bucket': ('endpoint_url', 'access_key', 'secret_key')},
        supports_check_mode=True,
    )
    # Time spent on the work itself, after interpreter start-up and imports (benchmarks/phase1_walltime.py).
    started = time.monotonic()
    params = module.params
    if params['bucket'] and BOTO3_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    if params['bucket']:
        conn = s3_connection_params(params)
        store = S3Store(s3_client(conn), params['bucket'], params['prefix'], conn['endpoint_url'])
    else:
        store = DirectoryStore(params['directory'])
    try:
        dummy, result = MetastoreBackup(params, store, warn=module.warn).handle_list()
    except BackupError as exc:
        module.fail_json(msg=exc.message, **dict(exc.details))
    module.exit_json(elapsed_seconds=round(time.monotonic() - started, 3), changed=False, **result)


if __name__ == '__main__':
    main()
