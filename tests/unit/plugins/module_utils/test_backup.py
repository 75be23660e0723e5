# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of plugins/module_utils/backup/: retention, manifest schema, S3 error mapping, key naming, streaming.

The streaming, S3 and PostgreSQL paths are exercised against real services by
tests/integration/targets/metastore_backup.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import io
import json

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.counts import (
    compare_counts,
    compare_hive_metastore,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.errors import BackupError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.names import (
    MANIFEST_SCHEMA,
    backup_name,
    build_manifest,
    check_backup,
    join_key,
    parse_backup_name,
    sanitize_database_name,
    select_retention,
    split_backup_filename,
    validate_manifest,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.stores import (
    DirectoryStore,
    HashingReader,
    S3Store,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


def ago(days=0, hours=0, minutes=0):
    return NOW - datetime.timedelta(days=days, hours=hours, minutes=minutes)


def backups_at(*whens):
    return [{'name': backup_name('polaris', when), 'timestamp': when} for when in whens]


def sample_manifest(**overrides):
    started = ago(minutes=5)
    manifest = build_manifest(
        name=backup_name('polaris', started), database='polaris', started_at=started, finished_at=ago(minutes=4),
        dump_file=backup_name('polaris', started) + '.dump', size=1234, sha256=hashlib.sha256(b'x').hexdigest(),
        etag='0123abcd-2', parts=2, server_version='15.18', server_version_num=150018, pg_dump_version='15.18',
        tables={'polaris_schema.entities': 12, 'polaris_schema.grant_records': 30, 'public.empty': 0},
        polaris_entities={'total': 12, 'by_type_code': {'1': 1, '4': 2, '6': 9},
                          'by_type': {'ROOT': 1, 'CATALOG': 2, 'NAMESPACE': 9}},
        owner='polaris', encoding='UTF8', source={'host': '127.0.0.1', 'port': 5544, 'user': 'polaris'})
    manifest.update(overrides)
    return manifest


# ---------------------------------------------------------------------------------------------- retention

class TestRetention:
    def test_no_rule_deletes_nothing(self):
        backups = backups_at(ago(days=1), ago(days=40), ago(days=400))
        keep, delete = select_retention(backups, now=NOW)
        assert delete == []
        assert len(keep) == 3

    def test_keep_last(self):
        backups = backups_at(ago(days=3), ago(days=1), ago(days=2), ago(days=4))
        keep, delete = select_retention(backups, keep_last=2, now=NOW)
        assert keep == [backup_name('polaris', ago(days=1)), backup_name('polaris', ago(days=2))]
        assert delete == [backup_name('polaris', ago(days=3)), backup_name('polaris', ago(days=4))]

    def test_keep_days_with_mixed_ages(self):
        backups = backups_at(ago(hours=1), ago(days=6, hours=23), ago(days=7, minutes=1), ago(days=30),
                             ago(days=2), ago(days=365))
        keep, delete = select_retention(backups, keep_days=7, now=NOW)
        assert set(keep) == {backup_name('polaris', w) for w in (ago(hours=1), ago(days=2), ago(days=6, hours=23))}
        assert delete == [backup_name('polaris', w) for w in (ago(days=7, minutes=1), ago(days=30), ago(days=365))]

    def test_keep_days_fractional(self):
        backups = backups_at(ago(hours=1), ago(hours=13))
        keep, delete = select_retention(backups, keep_days=0.5, now=NOW)
        assert delete == [backup_name('polaris', ago(hours=13))]

    def test_never_deletes_newest_even_if_all_are_old(self):
        backups = backups_at(ago(days=100), ago(days=200), ago(days=300))
        keep, delete = select_retention(backups, keep_days=7, now=NOW)
        assert keep == [backup_name('polaris', ago(days=100))]
        assert len(delete) == 2

    def test_single_old_backup_is_kept(self):
        backups = backups_at(ago(days=100))
        assert select_retention(backups, keep_days=1, keep_last=1, now=NOW) == (
            [backup_name('polaris', ago(days=100))], [])

    def test_both_rules_keep_the_union(self):
        # keep_last=3 keeps the 3 newest even though two are older than 7 days; keep_days keeps all recent ones.
        backups = backups_at(ago(days=1), ago(days=2), ago(days=3), ago(days=4), ago(days=10), ago(days=20))
        keep, delete = select_retention(backups, keep_last=3, keep_days=3.5, now=NOW)
        assert keep == [backup_name('polaris', w) for w in (ago(days=1), ago(days=2), ago(days=3))]
        backups = backups_at(ago(days=1), ago(days=20), ago(days=30))
        keep, delete = select_retention(backups, keep_last=2, keep_days=7, now=NOW)
        assert keep == [backup_name('polaris', ago(days=1)), backup_name('polaris', ago(days=20))]
        assert delete == [backup_name('polaris', ago(days=30))]

    def test_protected_new_backup_is_kept_despite_a_future_dated_one(self):
        future = backups_at(NOW + datetime.timedelta(days=2))  # clock skew on another host
        new = backups_at(NOW)
        keep, delete = select_retention(future + new + backups_at(ago(days=9)), keep_last=1, now=NOW,
                                        protect=(new[0]['name'],))
        assert new[0]['name'] in keep and future[0]['name'] in keep
        assert delete == [backup_name('polaris', ago(days=9))]

    def test_empty(self):
        assert select_retention([], keep_last=1, keep_days=1, now=NOW) == ([], [])


# ---------------------------------------------------------------------------------------------- manifest

class TestManifest:
    def test_built_manifest_is_valid(self):
        assert validate_manifest(sample_manifest()) == []

    def test_built_manifest_matches_json_schema(self):
        jsonschema = pytest.importorskip('jsonschema')
        manifest = json.loads(json.dumps(sample_manifest()))  # as stored
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
        jsonschema.validate(json.loads(json.dumps(sample_manifest(polaris_entities=None))), MANIFEST_SCHEMA)

    def test_schema_rejects_what_validate_rejects(self):
        jsonschema = pytest.importorskip('jsonschema')
        bad = sample_manifest()
        bad['dump']['sha256'] = 'not-a-sha'
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, MANIFEST_SCHEMA)
        assert validate_manifest(bad) == ['dump.sha256 is not a hex sha256']

    def test_manifest_fields(self):
        manifest = sample_manifest()
        assert manifest['format'] == 'dataplatform.lakehouse.metastore_backup/v1'
        assert manifest['started_at'].endswith('Z') and manifest['finished_at'].endswith('Z')
        assert manifest['duration_seconds'] == 60.0
        assert manifest['dump']['format'] == 'custom'
        assert manifest['server_version'] == '15.18'

    @pytest.mark.parametrize('mutate, problem', [
        (lambda m: m.pop('tables'), 'missing tables'),
        (lambda m: m.update(format='other/v9'), "unknown format 'other/v9'"),
        (lambda m: m.update(name='not a backup'), "name 'not a backup' is not a backup name"),
        (lambda m: m.update(started_at='yesterday'), 'started_at is not an ISO 8601 UTC timestamp'),
        (lambda m: m['dump'].update(size=0), 'dump.size is not a positive integer'),
        (lambda m: m['dump'].update(size=True), 'dump.size is not a positive integer'),
        (lambda m: m.update(tables={'a.b': -1}), 'tables is not a map of table to row count'),
        (lambda m: m.update(polaris_entities=[1]), 'polaris_entities is malformed'),
    ])
    def test_invalid_manifests(self, mutate, problem):
        manifest = sample_manifest()
        mutate(manifest)
        assert problem in validate_manifest(manifest)

    def test_not_an_object(self):
        assert validate_manifest(['x']) == ['manifest is not a JSON object']


class TestCheckBackup:
    def test_good(self):
        manifest = sample_manifest()
        assert check_backup(manifest, {'size': 1234, 'etag': '"0123abcd-2"'}, name=manifest['name']) is None
        assert check_backup(manifest, {'size': 1234, 'etag': None}) is None  # directories have no ETag

    def test_missing_dump(self):
        assert check_backup(sample_manifest(), None) == 'dump file is missing'

    def test_truncated_dump(self):
        assert 'does not match the manifest' in check_backup(sample_manifest(), {'size': 1000, 'etag': None})

    def test_replaced_object(self):
        assert 'was replaced' in check_backup(sample_manifest(), {'size': 1234, 'etag': 'ffff'})

    def test_manifest_of_another_backup(self):
        assert 'names another backup' in check_backup(sample_manifest(), {'size': 1234}, name='polaris-x')

    def test_invalid_manifest(self):
        assert check_backup({'format': 'x'}, {'size': 1}).startswith('invalid manifest: missing')


HMS = {'schema_version': '4.0.0', 'databases': ['default', 'sales'], 'tables': ['sales.orders', 'sales.returns'],
       'iceberg_metadata_locations': {'sales.orders': 's3://b/w/sales.db/orders/metadata/00003-a.metadata.json',
                                      'sales.returns': 's3://b/w/sales.db/returns/metadata/00001-b.metadata.json'}}


class TestHiveMetastoreEntities:
    def test_manifest_with_hive_metastore_entities_matches_json_schema(self):
        jsonschema = pytest.importorskip('jsonschema')
        manifest = json.loads(json.dumps(sample_manifest(polaris_entities=None, hive_metastore_entities=HMS)))
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
        assert validate_manifest(manifest) == []
        assert sample_manifest()['hive_metastore_entities'] is None  # other databases: null

    def test_equal(self):
        assert compare_hive_metastore(HMS, json.loads(json.dumps(HMS))) == []
        assert compare_hive_metastore(None, None) == []

    def test_differences_name_the_entity(self):
        actual = json.loads(json.dumps(HMS))
        actual['tables'].remove('sales.returns')
        del actual['iceberg_metadata_locations']['sales.returns']
        actual['databases'].append('scratch')
        actual['iceberg_metadata_locations']['sales.orders'] = 's3://b/w/sales.db/orders/metadata/00002-z.metadata.json'
        actual['schema_version'] = '3.1.0'
        diffs = compare_hive_metastore(HMS, actual)
        assert {'hive_metastore': 'tables', 'missing': ['sales.returns'], 'unexpected': []} in diffs
        assert {'hive_metastore': 'databases', 'missing': [], 'unexpected': ['scratch']} in diffs
        assert {'hive_metastore_table': 'sales.orders', 'metadata_location': True,
                'expected': HMS['iceberg_metadata_locations']['sales.orders'],
                'actual': 's3://b/w/sales.db/orders/metadata/00002-z.metadata.json'} in diffs
        assert {'hive_metastore_table': 'sales.returns', 'metadata_location': True,
                'expected': HMS['iceberg_metadata_locations']['sales.returns'], 'actual': None} in diffs
        assert {'hive_metastore_schema_version': True, 'expected': '4.0.0', 'actual': '3.1.0'} in diffs

    def test_a_restore_that_is_no_metastore_differs_in_everything(self):
        diffs = compare_hive_metastore(HMS, None)
        assert {'hive_metastore': 'databases', 'missing': ['default', 'sales'], 'unexpected': []} in diffs


class TestCompareCounts:
    def test_equal(self):
        m = sample_manifest()
        assert compare_counts(m['tables'], dict(m['tables']), m['polaris_entities'],
                              json.loads(json.dumps(m['polaris_entities']))) == []

    def test_differences(self):
        m = sample_manifest()
        actual = dict(m['tables'])
        actual['polaris_schema.entities'] = 11
        del actual['public.empty']
        actual['public.extra'] = 3
        polaris = {'total': 11, 'by_type_code': {'1': 1, '4': 2, '6': 8}, 'by_type': {}}
        diffs = compare_counts(m['tables'], actual, m['polaris_entities'], polaris)
        assert {'table': 'polaris_schema.entities', 'expected': 12, 'actual': 11} in diffs
        assert {'table': 'public.empty', 'expected': 0, 'actual': None} in diffs
        assert {'table': 'public.extra', 'expected': None, 'actual': 3} in diffs
        assert {'polaris_entity_type': 'NAMESPACE', 'type_code': 6, 'expected': 9, 'actual': 8} in diffs

    def test_polaris_schema_version_compared_when_recorded(self):
        recorded = {'total': 1, 'by_type_code': {'1': 1}, 'by_type': {}, 'schema_version': 4}
        assert compare_counts({}, {}, recorded, dict(recorded)) == []
        diffs = compare_counts({}, {}, recorded, dict(recorded, schema_version=3))
        assert diffs == [{'polaris_schema_version': True, 'expected': 4, 'actual': 3}]
        # An older manifest without the version compares the entity counts only.
        older = dict(recorded)
        del older['schema_version']
        assert compare_counts({}, {}, older, dict(recorded, schema_version=3)) == []

    def test_polaris_entities_lost(self):
        m = sample_manifest()
        diffs = compare_counts({}, {}, m['polaris_entities'], None)
        assert len(diffs) == 3 and all(d['actual'] is None for d in diffs)


# ---------------------------------------------------------------------------------------------- naming

class TestNaming:
    def test_name_is_utc_and_round_trips(self):
        when = datetime.datetime(2026, 11, 26, 10, 15, 2, 123456, tzinfo=UTC)
        name = backup_name('polaris', when)
        assert name == 'polaris-20261126T101502.123Z'
        assert parse_backup_name(name) == ('polaris', when.replace(microsecond=123000))

    def test_local_time_is_converted_to_utc(self):
        cet = datetime.timezone(datetime.timedelta(hours=1))
        when = datetime.datetime(2026, 11, 26, 11, 0, 0, tzinfo=cet)
        assert backup_name('polaris', when) == 'polaris-20261126T100000.000Z'

    def test_names_sort_by_age(self):
        whens = [ago(days=d, minutes=m) for d in (0, 1, 10, 100) for m in (0, 1, 59)]
        names = [backup_name('polaris', w) for w in whens]
        assert sorted(names) == [backup_name('polaris', w) for w in sorted(whens)]

    def test_database_names_are_sanitized(self):
        assert sanitize_database_name('polaris') == 'polaris'
        assert sanitize_database_name('my db/x') == 'my_db_x'
        assert sanitize_database_name('..') == 'db'
        name = backup_name('lake-house_1', NOW)
        assert parse_backup_name(name)[0] == 'lake-house_1'

    def test_foreign_names_are_ignored(self):
        assert parse_backup_name('polaris-latest') is None
        assert parse_backup_name('20261126T101502.123Z') is None
        assert split_backup_filename('notes.txt') is None
        assert split_backup_filename('polaris.dump') is None

    def test_file_kinds(self):
        name = backup_name('polaris', NOW)
        assert split_backup_filename(name + '.dump') == (name, 'dump')
        assert split_backup_filename(name + '.manifest.json') == (name, 'manifest')
        assert split_backup_filename(name + '.dump.partial') == (name, 'dump.partial')
        assert split_backup_filename(name + '.manifest.json.partial') == (name, 'manifest.partial')

    @pytest.mark.parametrize('prefix, key', [
        ('', 'n.dump'), ('/', 'n.dump'), ('backups', 'backups/n.dump'), ('/a//b/', 'a/b/n.dump'),
    ])
    def test_keys(self, prefix, key):
        assert join_key(prefix, 'n.dump') == key


# ---------------------------------------------------------------------------------------------- error mapping

class TestS3ErrorMapping:
    def test_s3_errors_use_the_shared_mapping(self):
        botocore = pytest.importorskip('botocore.exceptions')
        store = S3Store(client=None, bucket='b', prefix='p', endpoint_url='http://127.0.0.1:7480')
        err = botocore.ClientError({'Error': {'Code': 'NoSuchBucket', 'Message': 'x'},
                                    'ResponseMetadata': {'HTTPStatusCode': 404}}, 'UploadPart')
        exc = store._error(err, 'Uploading part 3 of s3://b/p/n.dump')
        assert isinstance(exc, BackupError) and isinstance(exc, LakehouseError)
        assert exc.message.startswith('Uploading part 3 of s3://b/p/n.dump to http://127.0.0.1:7480 failed with 404 '
                                      'NoSuchBucket')
        conn_err = botocore.EndpointConnectionError(endpoint_url='http://127.0.0.1:7480/b')
        assert 'could not connect to http://127.0.0.1:7480' in store._error(conn_err, 'Uploading').message


class FakeS3(object):
    """Just enough of a boto3 client for S3Store's listing and deletes (through the shared s3 layer)."""

    def __init__(self, objects, refuse=()):
        self.objects, self.refuse, self.calls = dict(objects), set(refuse), []

    def get_paginator(self, operation):
        client = self

        class Paginator(object):
            def paginate(self, **kwargs):
                client.calls.append((operation, kwargs))
                prefix, delimiter = kwargs.get('Prefix', ''), kwargs.get('Delimiter')
                keys = [k for k in sorted(client.objects) if k.startswith(prefix)
                        and not (delimiter and delimiter in k[len(prefix):])]
                yield {'Contents': [{'Key': k, 'Size': client.objects[k], 'ETag': '"e"'} for k in keys]}
        return Paginator()

    def delete_objects(self, Bucket, Delete):
        keys = [o['Key'] for o in Delete['Objects']]
        self.calls.append(('delete_objects', keys))
        for key in keys:
            if key not in self.refuse:
                self.objects.pop(key, None)
        return {'Errors': [{'Key': k, 'Code': 'AccessDenied', 'Message': 'Access Denied'}
                           for k in keys if k in self.refuse]}


class TestErrorsNameTheCause:
    """Issue 17: a wrong S3 secret, a missing bucket when listing and a forged dump each name their real cause."""

    def _client_error(self, code, status, message, operation):
        botocore = pytest.importorskip('botocore.exceptions')
        return botocore.ClientError({'Error': {'Code': code, 'Message': message},
                                     'ResponseMetadata': {'HTTPStatusCode': status}}, operation)

    def test_wrong_secret_names_cause_and_fix(self):
        class Client(object):
            def __init__(self, exc):
                self.exc = exc

            def head_bucket(self, Bucket):
                raise self.exc
        head = self._client_error('403', 403, 'Forbidden', 'HeadBucket')
        with pytest.raises(BackupError) as info:
            S3Store(Client(head), 'b', 'p', 'http://127.0.0.1:7480').ensure(create=True)
        assert 'failed with 403: access denied' in info.value.message
        assert 'check the access and secret key' in info.value.message and '403 403' not in info.value.message
        signed = self._client_error('SignatureDoesNotMatch', 403, '', 'PutObject')
        message = S3Store(None, 'b', 'p', 'http://127.0.0.1:7480')._error(signed, 'Uploading').message
        assert 'failed with 403 SignatureDoesNotMatch: the secret key is wrong' in message

    def test_listing_a_missing_bucket_does_not_offer_to_create_it(self):
        missing = self._client_error('NoSuchBucket', 404, 'The specified bucket does not exist', 'ListObjectsV2')

        class Client(object):
            def get_paginator(self, operation):
                class Paginator(object):
                    def paginate(self, **kwargs):
                        raise missing
                return Paginator()
        with pytest.raises(BackupError) as info:
            S3Store(Client(), 'backups', 'p', 'http://127.0.0.1:7480').list_files()
        message = info.value.message
        assert 'Bucket backups does not exist at http://127.0.0.1:7480, so it holds no backups' in message
        assert 'create_bucket' not in message and 'create it' not in message

    @pytest.mark.parametrize('stderr', [
        'pg_restore: error: unsupported version (-54.60) in file header',
        'pg_restore: error: input file does not appear to be a valid archive',
        'pg_restore: error: sanity check on integer size (51) failed',
    ])
    def test_forged_dump_is_not_blamed_on_a_newer_pg_dump(self, stderr):
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import describe_tool_failure
        message = describe_tool_failure('pg_restore', 1, stderr, {'host': '127.0.0.1', 'port': 5544}, 'polaris')
        assert 'not a valid pg_dump archive' in message and 'newer' not in message

    def test_a_real_newer_archive_still_asks_for_newer_tools(self):
        from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import describe_tool_failure
        message = describe_tool_failure('pg_restore', 1, 'pg_restore: error: unsupported version (1.16) in file header',
                                        {'host': '127.0.0.1', 'port': 5544}, 'polaris')
        assert 'newer pg_dump' in message


class TestS3Store:
    def test_lists_only_the_files_directly_under_the_prefix(self):
        client = FakeS3({'p/a.dump': 3, 'p/sub/b.dump': 4, 'other/c.dump': 5})
        store = S3Store(client, 'b', '/p/', 'http://127.0.0.1:7480')
        assert store.list_files() == {'a.dump': {'size': 3, 'etag': 'e', 'modified': None}}
        assert client.calls == [('list_objects_v2', {'Bucket': 'b', 'Prefix': 'p/', 'Delimiter': '/'})]

    def test_delete_and_refusal(self):
        client = FakeS3({'p/a.dump': 3, 'p/a.manifest.json': 1}, refuse=('p/a.dump',))
        store = S3Store(client, 'b', 'p', 'http://127.0.0.1:7480')
        store.delete(['a.manifest.json'])
        assert 'p/a.manifest.json' not in client.objects
        with pytest.raises(BackupError, match='Deleting s3://b/p/a.dump at http://127.0.0.1:7480 failed: AccessDenied'):
            store.delete(['a.dump'])


# ---------------------------------------------------------------------------------------------- streaming pieces

class TestStreaming:
    def test_hashing_reader_parts(self):
        data = bytes(range(256)) * 5000  # 1.28 MB
        reader = HashingReader(io.BytesIO(data))
        parts = []
        while True:
            part = reader.read_part(300000)
            parts.append(part)
            if len(part) < 300000:
                break
        assert b''.join(parts) == data
        assert [len(p) for p in parts[:-1]] == [300000] * 4
        assert reader.size == len(data) and reader.hexdigest() == hashlib.sha256(data).hexdigest()

    def test_directory_store_leaves_nothing_on_failure(self, tmp_path):
        store = DirectoryStore(str(tmp_path))
        reader = HashingReader(io.BytesIO(b'x' * 100))

        def refuse():
            raise BackupError('pg_dump was killed by signal 9 (SIGKILL)')

        with pytest.raises(BackupError):
            store.upload_stream('polaris-20261126T101502.123Z.dump', reader.read_part, 64, before_complete=refuse)
        assert list(tmp_path.iterdir()) == []

    def test_directory_store_commits(self, tmp_path):
        store = DirectoryStore(str(tmp_path))
        reader = HashingReader(io.BytesIO(b'y' * 100))
        store.upload_stream('n.dump', reader.read_part, 64)
        assert [p.name for p in tmp_path.iterdir()] == ['n.dump']
        assert (tmp_path / 'n.dump').stat().st_mode & 0o777 == 0o600
        assert store.stat('n.dump') == {'size': 100, 'etag': None}
