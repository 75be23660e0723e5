#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: metastore_backup
short_description: Back up, verify and restore the catalog's PostgreSQL database (to S3 or a directory)
version_added: 0.1.0
description:
  - Backs up a PostgreSQL database (typically Apache Polaris's metastore) with C(pg_dump --format=custom),
    streamed to an S3 bucket (multipart upload, bounded memory) or to a directory, never staged whole on local disk.
  - Each backup C(NAME) (C(<database>-<YYYYmmddTHHMMSS.mmm>Z), UTC, so names sort by age) is two files,
    C(NAME.dump) and C(NAME.manifest.json). The manifest (sha256, size, server version, database, start and end
    time, exact per-table row counts taken in the dump's own snapshot, and Polaris entity counts by type when the
    database has C(polaris_schema.entities)) is written last and is what marks a backup complete.
  - A failed or interrupted dump or upload leaves no complete-looking backup (the S3 multipart upload is aborted,
    a directory's C(.partial) file is removed), fails the task and deletes nothing.
  - Retention (O(keep_last), O(keep_days)) runs only after the new backup is complete and checked, only over good
    backups of the same database, and never removes the newest good backup.
  - O(state=restore) verifies the checksum first, restores into a new staging database and renames it to
    O(target_database) only once pg_restore succeeded (and row counts match), so a failed restore leaves the
    target untouched.
  - O(state=verify) restores a backup into a scratch database, compares row counts (and Polaris entities) with
    the manifest and drops the scratch database.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
extends_documentation_fragment:
  - dataplatform.lakehouse.postgresql
  - dataplatform.lakehouse.s3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details:
      - O(state=backup) connects and checks the destination, reports the backup name and what retention would
        delete, and writes nothing.
      - O(state=restore) selects the backup and checks the target (refusals happen in check mode too), without
        reading the dump or touching any database.
      - O(state=verify) checks the dump's checksum but does not restore it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  state:
    description:
      - V(backup) takes a new backup (always changes), then applies retention.
      - V(restore) restores a backup into O(target_database) (always changes).
      - V(verify) restores a backup into a scratch database and compares it with its manifest (never changes).
      - Listing the backups is M(dataplatform.lakehouse.metastore_backup_info) (Ansible keeps reading in C(_info)
        modules).
    type: str
    choices: [backup, restore, verify]
    default: backup
  database:
    description:
      - V(backup) the database to back up (required).
      - V(restore) and V(verify) only consider backups of this database (all databases when omitted).
    type: str
  endpoint_url:
    description:
      - URL of the S3 endpoint. Required with O(bucket); see the shared S3 options.
      - Falls back to E(LAKEHOUSE_S3_ENDPOINT), E(CEPH_S3_ENDPOINT) or E(AWS_ENDPOINT_URL).
    required: false
  access_key:
    description: S3 access key ID. Required with O(bucket). Falls back to E(AWS_ACCESS_KEY_ID).
    required: false
  secret_key:
    description: S3 secret access key. Required with O(bucket). Never logged. Falls back to E(AWS_SECRET_ACCESS_KEY).
    required: false
  bucket:
    description:
      - S3 bucket of the backups. Needs O(endpoint_url), O(access_key) and O(secret_key).
      - Mutually exclusive with O(directory).
    type: str
  prefix:
    description: Key prefix ("folder") of the backups in O(bucket).
    type: str
    default: ''
  directory:
    description:
      - Local directory of the backups (created with mode 0700 by V(backup) if missing). Files are mode 0600.
      - Mutually exclusive with O(bucket).
    type: path
  create_bucket:
    description: Create O(bucket) if it does not exist (V(backup) only).
    type: bool
    default: false
  name:
    description: Backup to restore or verify (default the newest good backup of O(database)).
    type: str
  target_database:
    description:
      - Database to restore into (required for V(restore)). Created if missing.
      - If it exists and is not empty, or it is the database the backup was taken from, the module refuses
        unless O(force=true), which drops it (disconnecting its clients) and replaces it with the restored copy.
    type: str
  force:
    description: Replace an existing non-empty O(target_database) (or the backup's source database).
    type: bool
    default: false
  no_owner:
    description: Restore without the original object owners (C(pg_restore --no-owner)); objects belong to O(user).
    type: bool
    default: false
  target_owner:
    description:
      - Owner of the restored database. Default the source database's owner when that role exists here and O(user)
        may create databases for it, else O(user).
    type: str
  check_row_counts:
    description: After V(restore), compare the restored database's row counts with the manifest before replacing
      the target.
    type: bool
    default: true
  scratch_database:
    description:
      - Scratch database for V(verify). Default C(<database>_mbverify_<random>). It must not exist; it is dropped
        afterwards.
    type: str
  maintenance_database:
    description: Database to connect to when creating, dropping and renaming databases.
    type: str
    default: postgres
  keep_last:
    description: Retention after V(backup) - keep at least the N newest good backups of O(database).
    type: int
  keep_days:
    description:
      - Retention after V(backup) - keep good backups of O(database) younger than this many days (age from the UTC
        time in the backup name).
      - With O(keep_last) too, a backup is deleted only if both rules would delete it. The newest good backup is
        never deleted.
    type: float
  part_size_mb:
    description:
      - S3 multipart part size in MiB. At most two parts are in flight plus one being filled, so memory is about
        three times this, whatever the database size. The largest dump is 10000 parts.
    type: int
    default: 8
  compression_level:
    description: C(pg_dump --compress) level (0-9). Default pg_dump's own default.
    type: int
  verify_written:
    description:
      - How the stored dump is checked before its manifest is written. V(size) compares size (and S3 ETag) with
        what was streamed; V(sha256) also reads it back and compares the checksum.
    type: str
    choices: [size, sha256]
    default: size
  verify_checksums:
    description:
      - Accepted for compatibility; V(restore) and V(verify) always check the sha256 first. To re-hash every dump of
        a destination use M(dataplatform.lakehouse.metastore_backup_info).
    type: bool
    default: false
  bin_dir:
    description:
      - Directory with C(pg_dump) and C(pg_restore). Default the newest found on E(PATH), in
        C(/usr/lib/postgresql/*/bin) or C(/usr/pgsql-*/bin).
    type: path
notes:
  - The password is passed to C(pg_dump)/C(pg_restore) as E(PGPASSWORD) only; RV(commands) never contains secrets.
  - An S3 upload that fails and cannot be aborted (endpoint gone) stays an incomplete multipart upload, which is not
    an object; M(dataplatform.lakehouse.metastore_backup_info) reports it as invalid. A bucket lifecycle rule
    C(AbortIncompleteMultipartUpload) removes such leftovers.
  - If the module process itself is killed (SIGKILL), an incomplete multipart upload or a C(NAME.dump.partial) file
    can remain; neither is ever a good backup, and M(dataplatform.lakehouse.metastore_backup_info) reports both as
    invalid. On SIGTERM/SIGINT the module aborts the upload (removes the partial file) and fails.
  - O(state=restore) with O(force=true) and O(state=verify) use C(DROP DATABASE ... WITH (FORCE)) on PostgreSQL 13+.
'''

EXAMPLES = r'''
- name: Back up the Polaris metastore to Ceph RGW, keep 7 days but at least 3 backups
  dataplatform.lakehouse.metastore_backup:
    state: backup
    host: 127.0.0.1
    port: 5544
    database: polaris
    user: polaris
    password: "{{ polaris_db_password }}"
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    bucket: lakehouse-backups
    prefix: metastore
    keep_days: 7
    keep_last: 3

- name: Prove the newest backup restores to what its manifest says
  dataplatform.lakehouse.metastore_backup:
    state: verify
    host: 127.0.0.1
    port: 5544
    user: postgres
    password: "{{ pg_admin_password }}"
    database: polaris
    endpoint_url: http://127.0.0.1:7480
    access_key: "{{ s3_access_key }}"
    secret_key: "{{ s3_secret_key }}"
    bucket: lakehouse-backups
    prefix: metastore

- name: List the backups kept in a directory
  dataplatform.lakehouse.metastore_backup_info:
    directory: /var/backups/metastore
  register: backups

- name: Restore a named backup into a new database
  dataplatform.lakehouse.metastore_backup:
    state: restore
    host: 127.0.0.1
    port: 5544
    user: postgres
    password: "{{ pg_admin_password }}"
    directory: /var/backups/metastore
    name: "{{ backups.backups[0].name }}"
    target_database: polaris_restored
'''

RETURN = r'''
backup:
  description:
    - V(backup) the backup written (name, location, manifest_location, size, sha256, duration_seconds,
      throughput_mb_s, manifest); in check mode only name and location.
    - V(restore) and V(verify) the backup used (like an element of the C(backups) list of M(dataplatform.lakehouse.metastore_backup_info)).
  returned: state is backup, restore or verify
  type: dict
  sample: {"name": "polaris-20261126T101502.123Z", "size": 181000000, "location": "s3://backups/m/polaris-20261126T101502.123Z.dump"}
retention:
  description: Names kept and deleted by retention (kept is null when no retention option is set).
  returned: state is backup
  type: dict
  sample: {"kept": ["polaris-20261126T101502.123Z"], "deleted": ["polaris-20261110T101502.004Z"]}
verify:
  description: Verification report - checksum_ok, restored, ok, tables_checked, rows_checked, mismatches
    (table or Polaris entity type with expected and actual counts; for a Hive Metastore's database also a missing or
    unexpected database or table, or a differing Iceberg metadata_location), polaris_entities,
    hive_metastore_entities (counts of databases, tables and Iceberg tables, and the schema version, when the
    manifest records a Hive Metastore), restore_seconds, scratch_dropped.
  returned: state is verify
  type: dict
target_database:
  description: The database restored into; created tells whether it did not exist, replaced whether it did.
  returned: state is restore
  type: str
created:
  description: Whether O(target_database) did not exist before the restore.
  returned: state is restore
  type: bool
replaced:
  description: Whether an existing O(target_database) was replaced.
  returned: state is restore
  type: bool
scratch_database:
  description: The scratch database used (and dropped) by V(verify).
  returned: state is verify and not check mode
  type: str
commands:
  description: The pg_dump/pg_restore command lines run (secrets are never on a command line).
  returned: always
  type: list
  elements: str
pg_dump_version:
  description: Version of the pg_dump used.
  returned: state is backup
  type: str
bucket_created:
  description: Whether the bucket (or directory) was created (would be, in check mode).
  returned: state is backup
  type: bool
timings:
  description: Seconds spent per phase (backup - prepare, dump_and_upload, check_and_manifest, retention; restore -
    checksum, create_and_restore, row_counts, swap).
  returned: state is backup or restore, not in check mode
  type: dict
destination:
  description: Location of the backups (C(s3://bucket/prefix/) or the directory).
  returned: always
  type: str
upload_id:
  description: On an S3 failure, the multipart upload involved; multipart_aborted tells whether it was aborted.
  returned: failure during an S3 upload
  type: str
stderr_lines:
  description: Last lines of pg_dump's or pg_restore's stderr when it failed (pg_dump_rc/pg_restore_rc hold the exit
    status, negative for a signal).
  returned: failure of pg_dump or pg_restore
  type: list
  elements: str
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports (what Ansible adds is the rest of the task's time).
  returned: success
  type: float
  sample: 0.412
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.metastore import (
    describe_unexpected,
    run_backup,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.stores import open_store
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.connection import (
    PSYCOPG_REQUIREMENT,
    postgresql_argument_spec,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_argument_spec,
)


def argument_spec():
    """The module's own options (the PostgreSQL and S3 connection options come from their layers)."""
    return dict(
        state=dict(type='str', default='backup', choices=['backup', 'restore', 'verify']),
        bucket=dict(type='str'),
        prefix=dict(type='str', default=''),
        directory=dict(type='path'),
        create_bucket=dict(type='bool', default=False),
        name=dict(type='str'),
        target_database=dict(type='str'),
        force=dict(type='bool', default=False),
        no_owner=dict(type='bool', default=False),
        target_owner=dict(type='str'),
        check_row_counts=dict(type='bool', default=True),
        scratch_database=dict(type='str'),
        maintenance_database=dict(type='str', default='postgres'),
        keep_last=dict(type='int'),
        keep_days=dict(type='float'),
        part_size_mb=dict(type='int', default=8),
        compression_level=dict(type='int'),
        verify_written=dict(type='str', default='size', choices=['size', 'sha256']),
        verify_checksums=dict(type='bool', default=False),
        bin_dir=dict(type='path'),
    )


def main():
    module = LakehouseModule(
        argument_spec=argument_spec(),
        # S3 is optional here: endpoint and keys are required only with a bucket (required_by below).
        connections=[postgresql_argument_spec(), s3_argument_spec(required=False)],
        requirements=[PSYCOPG_REQUIREMENT],
        mutually_exclusive=[('bucket', 'directory')],
        required_one_of=[('bucket', 'directory')],
        required_if=[('state', 'backup', ('database',)), ('state', 'restore', ('target_database',))],
        required_by={'bucket': ('endpoint_url', 'access_key', 'secret_key')},
        supports_check_mode=True,
    )
    params = module.params
    if params['bucket']:
        module.require('boto3', BOTO3_IMPORT_ERROR)
    if params['keep_last'] is not None and params['keep_last'] < 1:
        module.fail_json(msg='keep_last must be at least 1 (the newest good backup is always kept).')
    if params['keep_days'] is not None and params['keep_days'] <= 0:
        module.fail_json(msg='keep_days must be a positive number of days.')
    if not 5 <= params['part_size_mb'] <= 512:
        module.fail_json(msg='part_size_mb must be between 5 (the S3 minimum) and 512.')
    if params['compression_level'] is not None and not 0 <= params['compression_level'] <= 9:
        module.fail_json(msg='compression_level must be between 0 and 9.')
    module.run(run_backup, params, open_store(params), check_mode=module.check_mode, warn=module.warn,
               describe=describe_unexpected('metastore_backup %s' % params['state']))


if __name__ == '__main__':
    main()
