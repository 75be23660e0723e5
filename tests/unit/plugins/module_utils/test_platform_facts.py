# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Units of platform_facts (the platform_info module): durations, normalization of lifecycle rules and Polaris
grants, S3 error mapping (botocore Stubber), backups of a real directory destination, section selection. The
introspection of live services is exercised by tests/integration/targets/platform_test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import platform_facts as pf
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisClient
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.names import backup_name, build_manifest
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.stores import DirectoryStore

boto3 = pytest.importorskip('boto3')
stub = pytest.importorskip('botocore.stub')


# ------------------------------------------------------------------------------------------------------------- S3
def test_normalize_rule_keeps_what_is_set():
    assert pf.normalize_rule({'ID': 'expire-tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled',
                              'Expiration': {'Days': 3}}) == (
        'expire-tmp', {'prefix': 'tmp/', 'enabled': True, 'expiration_days': 3})
    # RGW answers the legacy top-level Prefix for rules put without a Filter
    assert pf.normalize_rule({'ID': 'abort', 'Prefix': '', 'Status': 'Disabled',
                              'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 7}}) == (
        'abort', {'prefix': '', 'enabled': False, 'abort_incomplete_multipart_days': 7})


def _client():
    client = boto3.client('s3', endpoint_url='http://127.0.0.1:1', aws_access_key_id='k',
                          aws_secret_access_key='s', region_name='us-east-1')
    return client, stub.Stubber(client)


def test_bucket_facts_of_a_bucket_without_lifecycle():
    client, stubber = _client()
    stubber.add_response('head_bucket', {}, {'Bucket': 'b'})
    stubber.add_response('get_bucket_versioning', {'Status': 'Enabled'}, {'Bucket': 'b'})
    stubber.add_client_error('get_bucket_lifecycle_configuration', 'NoSuchLifecycleConfiguration', http_status_code=404)
    with stubber:
        assert pf.bucket_facts(client, 'b', 'http://e') == {'exists': True, 'versioning': 'enabled',
                                                            'lifecycle_rules': {}}


def test_bucket_facts_of_a_missing_bucket():
    client, stubber = _client()
    stubber.add_client_error('head_bucket', '404', http_status_code=404)
    with stubber:
        assert pf.bucket_facts(client, 'gone', 'http://e') == {'exists': False}


def test_bucket_facts_access_denied_is_one_line():
    client, stubber = _client()
    stubber.add_client_error('head_bucket', 'AccessDenied', http_status_code=403)
    with stubber:
        with pytest.raises(pf.PlatformFactsError) as err:
            pf.bucket_facts(client, 'b', 'http://e')
    assert 'AccessDenied' in str(err.value) and 'permission' in str(err.value)


def test_s3_facts_all_buckets_or_the_given_ones():
    client, stubber = _client()
    listing = {'Buckets': [{'Name': 'a'}, {'Name': 'z'}],
               'ResponseMetadata': {'HTTPHeaders': {'x-amz-request-id': 'tx000000000000000000001-0067a1b2c3-1014-default'}}}
    stubber.add_response('list_buckets', listing, {})
    stubber.add_client_error('head_bucket', '404', http_status_code=404)
    with stubber:
        facts = pf.s3_facts({'endpoint_url': 'http://e', 'region': 'r'}, ['missing'], client=client)
    assert facts == {'endpoint_url': 'http://e', 'region': 'r', 'server': 'ceph-rgw',
                     'buckets': {'missing': {'exists': False}}}


# -------------------------------------------------------------------------------------------------------- backups
NOW = datetime.datetime.now(datetime.timezone.utc)


def _write_backup(path, database, when):
    name = backup_name(database, when)
    data = b'PGDMP' + database.encode()
    manifest = build_manifest(
        name=name, database=database, started_at=when, finished_at=when + datetime.timedelta(seconds=2),
        dump_file=name + '.dump', size=len(data), sha256=hashlib.sha256(data).hexdigest(), etag=None, parts=1,
        server_version='15.18', server_version_num=150018, pg_dump_version='15.18', tables={'t': 1},
        polaris_entities=None)
    (path / (name + '.dump')).write_bytes(data)
    (path / (name + '.manifest.json')).write_text(json.dumps(manifest))
    return name


def test_backup_facts_newest_and_age(tmp_path):
    _write_backup(tmp_path, 'polaris', NOW - datetime.timedelta(days=3))
    newest = _write_backup(tmp_path, 'polaris', NOW - datetime.timedelta(hours=5))
    _write_backup(tmp_path, 'iceberg_catalog', NOW - datetime.timedelta(hours=1))
    (tmp_path / (backup_name('polaris', NOW) + '.dump')).write_bytes(b'interrupted')   # no manifest
    facts = pf.backup_facts(DirectoryStore(str(tmp_path)), ['polaris', 'absent_db'], max_age_seconds=172800)
    assert facts['destination'].rstrip('/') == str(tmp_path)
    polaris = facts['databases']['polaris']
    assert polaris['present'] and polaris['count'] == 2 and polaris['invalid'] == 1
    assert polaris['newest'] == newest
    # The backups were dated from NOW (taken when this file was imported); on a loaded machine the suite may reach
    # this test minutes later, so the age may exceed 5 h by that much.
    since_import = (datetime.datetime.now(datetime.timezone.utc) - NOW).total_seconds()
    assert 5 * 3600 - 60 <= polaris['newest_age_seconds'] <= 5 * 3600 + since_import + 60
    assert polaris['max_age_seconds'] == 172800
    assert facts['databases']['absent_db'] == {'present': False, 'max_age_seconds': 172800, 'count': 0, 'invalid': 0}
    assert 'iceberg_catalog' not in facts['databases']


def test_backup_facts_without_volatile_values_every_database(tmp_path):
    _write_backup(tmp_path, 'polaris', NOW - datetime.timedelta(days=3))
    _write_backup(tmp_path, 'iceberg_catalog', NOW - datetime.timedelta(hours=1))
    facts = pf.backup_facts(DirectoryStore(str(tmp_path)), None, volatile=False)
    assert facts['databases'] == {'iceberg_catalog': {'present': True}, 'polaris': {'present': True}}


def test_backup_facts_of_a_missing_destination(tmp_path):
    facts = pf.backup_facts(DirectoryStore(str(tmp_path / 'nothing')), ['polaris'], max_age_seconds=60)
    assert facts['databases']['polaris']['present'] is False


# -------------------------------------------------------------------------------------------------------- polaris
def test_grant_text():
    assert pf.grant_text({'type': 'catalog', 'privilege': 'CATALOG_MANAGE_CONTENT'}) == 'CATALOG_MANAGE_CONTENT on catalog'
    assert pf.grant_text({'type': 'namespace', 'privilege': 'NAMESPACE_FULL_METADATA', 'namespace': ['a', 'b']}) == \
        'NAMESPACE_FULL_METADATA on namespace a.b'
    assert pf.grant_text({'type': 'table', 'privilege': 'TABLE_READ_DATA', 'namespace': ['ns'], 'tableName': 't'}) == \
        'TABLE_READ_DATA on table ns.t'


class FakePolaris(object):
    """The management API's answers by path (the shape Polaris 1.x returns)."""
    base = 'http://p:8181'
    realm = 'POLARIS'

    ANSWERS = {
        'catalogs': {'catalogs': [{'name': 'lakehouse', 'type': 'INTERNAL',
                                   'properties': {'default-base-location': 's3://w/', 'x': '1'},
                                   'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': ['s3://w/']}}]},
        'catalogs/lakehouse/catalog-roles': {'roles': [{'name': 'writer'}, {'name': 'catalog_admin'}]},
        'catalogs/lakehouse/catalog-roles/writer/grants': {'grants': [
            {'type': 'table', 'privilege': 'TABLE_WRITE_DATA', 'namespace': ['ns'], 'tableName': 't'},
            {'type': 'catalog', 'privilege': 'CATALOG_MANAGE_CONTENT'}]},
        'catalogs/lakehouse/catalog-roles/catalog_admin/grants': {'grants': []},
        'principals': {'principals': [{'name': 'root', 'clientId': 'not-recorded'}, {'name': 'etl'}]},
        'principals/root/principal-roles': {'roles': [{'name': 'service_admin'}]},
        'principals/etl/principal-roles': {'roles': [{'name': 'etl_role'}]},
        'principal-roles': {'roles': [{'name': 'service_admin'}, {'name': 'etl_role'}]},
        'principal-roles/service_admin/catalog-roles/lakehouse': {'roles': [{'name': 'catalog_admin'}]},
        'principal-roles/etl_role/catalog-roles/lakehouse': {'roles': [{'name': 'writer'}]},
    }

    def get(self, path):
        return self.ANSWERS[path]


def test_polaris_facts():
    facts = pf.polaris_facts(FakePolaris(), catalogs=['lakehouse', 'gone'])
    assert facts['deployed'] and facts['uri'] == 'http://p:8181' and facts['realm'] == 'POLARIS'
    assert facts['catalogs']['gone'] == {'exists': False}
    catalog = facts['catalogs']['lakehouse']
    assert catalog['default_base_location'] == 's3://w/' and catalog['properties'] == {'x': '1'}
    assert catalog['roles']['writer']['grants'] == ['CATALOG_MANAGE_CONTENT on catalog', 'TABLE_WRITE_DATA on table ns.t']
    assert facts['principals'] == {'etl': {'principal_roles': ['etl_role']},
                                   'root': {'principal_roles': ['service_admin']}}
    assert facts['principal_roles']['etl_role'] == {'catalog_roles': {'lakehouse': ['writer']}}
    assert 'not-recorded' not in json.dumps(facts)


class FailingOpener(object):
    def __init__(self, exc):
        self.exc = exc

    def __call__(self, *args, **kwargs):
        raise self.exc


class HTTPLikeError(Exception):
    def __init__(self, code):
        super(HTTPLikeError, self).__init__('HTTP Error %s' % code)
        self.code = code


def test_polaris_refused_credential_is_one_line_without_the_secret():
    client = PolarisClient('http://p:8181/api/catalog', 'id', 'the-secret', opener=FailingOpener(HTTPLikeError(401)))
    with pytest.raises(LakehouseError) as err:
        pf.polaris_facts(client)
    text = str(err.value)
    assert 'oauth/tokens: HTTP 401' in text and 'polaris_client_secret' in text
    assert 'the-secret' not in text and '\n' not in text


def test_polaris_unreachable():
    client = PolarisClient('http://p:8181', 'id', 's', opener=FailingOpener(OSError('Connection refused')), retries=0)
    with pytest.raises(LakehouseError) as err:
        pf.polaris_facts(client)
    assert 'not reachable' in str(err.value) and 'Connection refused' in str(err.value)


# -------------------------------------------------------------------------------------------------------- options
def test_choose_sections():
    assert pf.choose_sections({}) == ['s3', 'polaris']
    assert pf.choose_sections({'catalog_uri': 'x', 'backup_bucket': 'b'}) == ['s3', 'catalog', 'backups', 'polaris']
    assert pf.choose_sections({'sections': ['polaris', 's3'], 'catalog_uri': 'x'}) == ['s3', 'polaris']
    assert pf.choose_sections({'hive_metastore_uri': 'thrift://h:9083'}) == ['s3', 'polaris', 'hive_metastore']
    assert pf.check_params({}, ['hive_metastore']) == 'Section hive_metastore needs hive_metastore_uri (thrift://HOST:PORT).'


def test_check_params():
    s3 = {'endpoint_url': 'http://e', 'access_key': 'a', 'secret_key': 's'}
    assert pf.check_params(s3, ['s3', 'polaris']) is None
    assert 'secret_key' in pf.check_params({'endpoint_url': 'http://e', 'access_key': 'a'}, ['s3'])
    assert 'catalog_uri' in pf.check_params(s3, ['catalog'])
    assert 'backup_bucket' in pf.check_params(s3, ['backups'])
    assert pf.check_params({'backup_directory': '/x'}, ['backups']) is None
    assert 'polaris_client_secret' in pf.check_params(dict(s3, polaris_uri='http://p'), ['polaris'])


def test_polaris_not_configured():
    doc = pf.gather({}, ['polaris'], {})
    assert doc == {'polaris': {'deployed': False, 'reason': 'no Polaris connection was given (polaris_uri)'}}
