# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Units of the platform_drift filter: what is drift, what is not, and that every line names the object."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.filter.platform_drift import (
    FilterModule,
    format_age,
    platform_drift,
)

EXPECTED = {
    's3': {
        'endpoint_url': 'http://127.0.0.1:7480',
        'region': 'us-east-1',
        'server': 'ceph-rgw',
        'buckets': {
            'lakehouse-warehouse': {
                'exists': True,
                'versioning': 'disabled',
                'lifecycle_rules': {
                    'abort-incomplete-multipart-uploads': {'prefix': '', 'enabled': True,
                                                           'abort_incomplete_multipart_days': 7},
                    'expire-tmp': {'prefix': 'tmp/', 'enabled': True, 'expiration_days': 3},
                },
            },
        },
        'recommended_client_config': {
            'signature_version': 's3v4',
            'addressing_style': 'path',
            'request_checksum_calculation': 'when_supported',
            'response_checksum_validation': 'when_supported',
            'environment': {'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
                            'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required'},
        },
    },
    'catalog': {
        'type': 'sql',
        'name': 'lakehouse',
        'namespaces': {
            'lakehouse': {
                'exists': True,
                'properties': {},
                'tables': {
                    'sample_data': {
                        'uuid': 'c8719608-5242-4e6d-bbd8-e32d814279ca',
                        'location': 's3://lakehouse-warehouse/iceberg/lakehouse/sample_data',
                        'format_version': 2,
                        'schema': [{'name': 'id', 'type': 'long', 'required': True},
                                   {'name': 'name', 'type': 'string', 'required': False}],
                        'partition_spec': [{'name': 'id_bucket', 'column': 'id', 'transform': 'bucket[4]'}],
                        'sort_order': [],
                        'properties': {'write.format.default': 'parquet'},
                        'refs': {'main': 'branch', 'phase1-before-evolution': 'tag'},
                        'has_rows': True,
                    },
                },
            },
        },
    },
    'backups': {
        'destination': 's3://metastore-backups/metastore/',
        'databases': {'polaris': {'present': True, 'max_age_seconds': 172800}},
    },
    'polaris': {'deployed': False, 'reason': 'no Polaris connection is configured'},
}


def actual_now():
    """The facts of a platform that has not drifted, with the volatile values platform_info adds."""
    doc = copy.deepcopy(EXPECTED)
    table = doc['catalog']['namespaces']['lakehouse']['tables']['sample_data']
    table.update(current_snapshot_id=42, records=3, data_files=2)
    doc['backups']['databases']['polaris'].update(count=3, invalid=0, newest='polaris-20261126T020000.000Z',
                                                  newest_age_seconds=3600)
    return doc


def table(doc):
    return doc['catalog']['namespaces']['lakehouse']['tables']['sample_data']


def test_no_drift():
    assert platform_drift(EXPECTED, actual_now()) == []


def test_filter_is_registered():
    assert FilterModule().filters()['platform_drift'] is platform_drift


# ------------------------------------------------------------------------------------------------------------ s3
def test_lifecycle_rule_removed():
    now = actual_now()
    del now['s3']['buckets']['lakehouse-warehouse']['lifecycle_rules']['expire-tmp']
    assert platform_drift(EXPECTED, now) == ["s3 bucket lakehouse-warehouse: lifecycle rule 'expire-tmp' is missing"]


def test_lifecycle_rule_changed_and_added():
    now = actual_now()
    rules = now['s3']['buckets']['lakehouse-warehouse']['lifecycle_rules']
    rules['expire-tmp']['expiration_days'] = 5
    rules['new-rule'] = {'prefix': '', 'enabled': True, 'expiration_days': 1}
    assert platform_drift(EXPECTED, now) == [
        "s3 bucket lakehouse-warehouse: lifecycle rule 'expire-tmp': expiration_days is 5, expected 3",
        "s3 bucket lakehouse-warehouse: lifecycle rule 'new-rule' was added",
    ]


def test_lifecycle_rule_action_removed_says_not_set():
    now = actual_now()
    del now['s3']['buckets']['lakehouse-warehouse']['lifecycle_rules']['expire-tmp']['expiration_days']
    assert platform_drift(EXPECTED, now) == [
        "s3 bucket lakehouse-warehouse: lifecycle rule 'expire-tmp': expiration_days is not set, expected 3"]


def test_bucket_missing_and_versioning():
    now = actual_now()
    now['s3']['buckets']['lakehouse-warehouse'] = {'exists': False}
    assert platform_drift(EXPECTED, now) == ['s3 bucket lakehouse-warehouse is missing']
    now = actual_now()
    del now['s3']['buckets']['lakehouse-warehouse']
    assert platform_drift(EXPECTED, now) == ['s3 bucket lakehouse-warehouse is missing']
    now = actual_now()
    now['s3']['buckets']['lakehouse-warehouse']['versioning'] = 'enabled'
    assert platform_drift(EXPECTED, now) == [
        "s3 bucket lakehouse-warehouse: versioning is 'enabled', expected 'disabled'"]


def test_extra_bucket_is_not_drift():
    now = actual_now()
    now['s3']['buckets']['someone-elses-test-bucket'] = {'exists': True, 'versioning': 'disabled',
                                                         'lifecycle_rules': {}}
    assert platform_drift(EXPECTED, now) == []


def test_endpoint_and_server():
    now = actual_now()
    now['s3']['server'] = 'minio'
    assert platform_drift(EXPECTED, now) == ["s3: server is 'minio', expected 'ceph-rgw'"]


def test_recommended_client_settings():
    now = actual_now()
    rcc = now['s3']['recommended_client_config']
    rcc['request_checksum_calculation'] = 'when_required'
    del rcc['environment']['AWS_RESPONSE_CHECKSUM_VALIDATION']
    rcc['environment']['SSL_CERT_FILE'] = '/etc/ca.pem'
    assert platform_drift(EXPECTED, now) == [
        "s3 recommended client settings: request_checksum_calculation is 'when_required', expected 'when_supported'",
        's3 recommended client settings: AWS_RESPONSE_CHECKSUM_VALIDATION=when_required is no longer needed',
        's3 recommended client settings: SSL_CERT_FILE=/etc/ca.pem is needed now',
    ]


def test_recommended_client_settings_not_measured_now_is_skipped():
    now = actual_now()
    del now['s3']['recommended_client_config']
    assert platform_drift(EXPECTED, now) == []


# ------------------------------------------------------------------------------------------------------- catalog
def test_column_added():
    now = actual_now()
    table(now)['schema'].append({'name': 'foo', 'type': 'string', 'required': False})
    assert platform_drift(EXPECTED, now) == ["table lakehouse.sample_data: column 'foo' (string) was added"]


def test_column_removed_retyped_and_required():
    now = actual_now()
    table(now)['schema'] = [{'name': 'id', 'type': 'int', 'required': False}]
    assert platform_drift(EXPECTED, now) == [
        "table lakehouse.sample_data: column 'id' is int, expected long",
        "table lakehouse.sample_data: column 'id' is optional, expected required",
        "table lakehouse.sample_data: column 'name' (string) was removed",
    ]


def test_table_and_namespace_missing():
    now = actual_now()
    del now['catalog']['namespaces']['lakehouse']['tables']['sample_data']
    assert platform_drift(EXPECTED, now) == ['table lakehouse.sample_data is missing']
    now = actual_now()
    now['catalog']['namespaces']['lakehouse'] = {'exists': False}
    assert platform_drift(EXPECTED, now) == ['namespace lakehouse is missing']


def test_extra_table_namespace_and_tag_are_not_drift():
    now = actual_now()
    now['catalog']['namespaces']['lakehouse']['tables']['other'] = copy.deepcopy(table(now))
    now['catalog']['namespaces']['scratch'] = {'exists': True, 'properties': {}, 'tables': {}}
    table(now)['refs']['nightly'] = 'tag'
    assert platform_drift(EXPECTED, now) == []


def test_table_properties_spec_refs_rows_uuid():
    now = actual_now()
    t = table(now)
    t['properties'] = {'write.format.default': 'orc', 'commit.retry.num-retries': '10'}
    t['partition_spec'] = []
    del t['refs']['phase1-before-evolution']
    t['has_rows'] = False
    t['uuid'] = 'other'
    lines = platform_drift(EXPECTED, now)
    assert lines == [
        'table lakehouse.sample_data was dropped and created again (uuid other, expected '
        'c8719608-5242-4e6d-bbd8-e32d814279ca)',
        'table lakehouse.sample_data: partition spec is [], expected [bucket[4](id)]',
        "table lakehouse.sample_data: property 'write.format.default' is 'orc', expected 'parquet'",
        "table lakehouse.sample_data: property 'commit.retry.num-retries' = '10' was added",
        "table lakehouse.sample_data: tag 'phase1-before-evolution' is missing",
        'table lakehouse.sample_data has no rows any more',
    ]


def test_volatile_values_are_not_compared():
    now = actual_now()
    table(now).update(current_snapshot_id=43, records=300, data_files=9)
    assert platform_drift(EXPECTED, now) == []


# ------------------------------------------------------------------------------------------------------- backups
def test_backup_too_old():
    now = actual_now()
    now['backups']['databases']['polaris']['newest_age_seconds'] = 3 * 86400 + 7200
    assert platform_drift(EXPECTED, now) == [
        'backups metastore-backups/metastore/polaris: newest backup is 3d 2h old, max 2d '
        '(polaris-20261126T020000.000Z)']


def test_backup_missing():
    now = actual_now()
    now['backups']['databases']['polaris'] = {'present': False, 'count': 0}
    assert platform_drift(EXPECTED, now) == ['backups metastore-backups/metastore/polaris: no backup found']
    del now['backups']['databases']['polaris']
    assert platform_drift(EXPECTED, now) == ['backups metastore-backups/metastore/polaris: no backup found']


def test_backup_count_and_name_are_not_compared():
    now = actual_now()
    now['backups']['databases']['polaris'].update(count=7, newest='polaris-20261127T020000.000Z',
                                                  newest_age_seconds=172000)
    now['backups']['databases']['iceberg_catalog'] = {'present': True, 'count': 1, 'newest_age_seconds': 10}
    assert platform_drift(EXPECTED, now) == []


# ------------------------------------------------------------------------------------------------------- polaris
POLARIS = {
    'deployed': True,
    'uri': 'http://127.0.0.1:8181',
    'realm': 'POLARIS',
    'catalogs': {
        'lakehouse': {
            'exists': True, 'type': 'INTERNAL', 'default_base_location': 's3://lakehouse-warehouse/polaris',
            'properties': {}, 'storage_type': 'S3', 'allowed_locations': ['s3://lakehouse-warehouse/'],
            'roles': {'writer': {'grants': ['CATALOG_MANAGE_CONTENT on catalog', 'TABLE_READ_DATA on table ns.t']}},
        },
    },
    'principals': {'etl': {'principal_roles': ['etl_role']}},
    'principal_roles': {'etl_role': {'catalog_roles': {'lakehouse': ['writer']}}},
}


def test_polaris_not_deployed_both_times():
    assert platform_drift({'polaris': {'deployed': False}}, {'polaris': {'deployed': False}}) == []


def test_polaris_deployed_later_or_gone():
    assert platform_drift({'polaris': {'deployed': False}}, {'polaris': POLARIS}) == [
        'polaris is deployed now but was recorded as not deployed; generate the test again to cover it']
    assert platform_drift({'polaris': POLARIS}, {'polaris': {'deployed': False, 'reason': 'no connection'}}) == [
        'polaris is not deployed any more (no connection)']


def test_polaris_grant_revoked_and_added():
    now = copy.deepcopy(POLARIS)
    now['catalogs']['lakehouse']['roles']['writer']['grants'] = ['TABLE_READ_DATA on table ns.t',
                                                                 'CATALOG_MANAGE_ACCESS on catalog']
    assert platform_drift({'polaris': POLARIS}, {'polaris': now}) == [
        "polaris catalog lakehouse, catalog role writer: grant 'CATALOG_MANAGE_CONTENT on catalog' was revoked",
        "polaris catalog lakehouse, catalog role writer: grant 'CATALOG_MANAGE_ACCESS on catalog' was added",
    ]


def test_polaris_roles_and_principals():
    now = copy.deepcopy(POLARIS)
    now['principals']['etl']['principal_roles'] = []
    now['principal_roles']['etl_role']['catalog_roles'] = {}
    del now['catalogs']['lakehouse']['roles']['writer']
    now['principals']['new'] = {'principal_roles': []}
    assert platform_drift({'polaris': POLARIS}, {'polaris': now}) == [
        'polaris catalog lakehouse: catalog role writer is missing',
        "polaris principal etl: principal role 'etl_role' was unassigned",
        "polaris principal role etl_role: catalog role 'lakehouse/writer' was unassigned",
    ]


def test_polaris_catalog_missing():
    now = copy.deepcopy(POLARIS)
    del now['catalogs']['lakehouse']
    assert platform_drift({'polaris': POLARIS}, {'polaris': now}) == ['polaris catalog lakehouse is missing']


# -------------------------------------------------------------------------------------------------------- general
def test_sections_restrict_the_comparison():
    now = actual_now()
    table(now)['schema'].append({'name': 'foo', 'type': 'string', 'required': False})
    del now['s3']['buckets']['lakehouse-warehouse']['lifecycle_rules']['expire-tmp']
    assert platform_drift(EXPECTED, now, ['s3']) == [
        "s3 bucket lakehouse-warehouse: lifecycle rule 'expire-tmp' is missing"]
    assert platform_drift(EXPECTED, now, 'catalog') == ["table lakehouse.sample_data: column 'foo' (string) was added"]
    assert len(platform_drift(EXPECTED, now)) == 2


def test_section_not_described_now():
    now = actual_now()
    del now['backups']
    assert platform_drift(EXPECTED, now) == ['backups: not described now, although the test recorded it']


def test_nothing_recorded_nothing_compared():
    assert platform_drift({}, actual_now()) == []
    assert platform_drift(None, None) == []


@pytest.mark.parametrize('seconds, text', [
    (0, '0s'), (59, '59s'), (60, '1m'), (2400, '40m'), (3600, '1h'), (18720, '5h 12m'), (86400, '1d'),
    (172800, '2d'), (266400, '3d 2h'),
])
def test_format_age(seconds, text):
    assert format_age(seconds) == text


# ------------------------------------------------------------------------------------------------- Hive Metastore

HMS = {'hive_metastore': {'uri': 'thrift://127.0.0.1:9083', 'databases': {
    'sales': {'exists': True, 'tables': {
        'orders': {'table_type': 'EXTERNAL_TABLE', 'iceberg': True, 'location': 's3://w/sales.db/orders',
                   'metadata_location': 's3://w/sales.db/orders/metadata/00003-a.metadata.json'},
        'legacy': {'table_type': 'MANAGED_TABLE', 'iceberg': False}}},
    'gone_on_purpose': {'exists': False}}}}


def test_hms_unchanged_and_added_objects_are_no_drift():
    actual = copy.deepcopy(HMS)
    actual['hive_metastore']['databases']['sales']['tables']['new_table'] = {'table_type': 'EXTERNAL_TABLE', 'iceberg': True}
    actual['hive_metastore']['databases']['other'] = {'exists': True, 'tables': {}}
    assert platform_drift(HMS, actual) == []


def test_hms_missing_table_and_moved_metadata_location_are_named():
    actual = copy.deepcopy(HMS)
    tables = actual['hive_metastore']['databases']['sales']['tables']
    del tables['legacy']
    tables['orders']['metadata_location'] = 's3://w/sales.db/orders/metadata/00004-b.metadata.json'
    assert platform_drift(HMS, actual) == [
        "hive metastore table sales.legacy is missing",
        "hive metastore table sales.orders: metadata location is "
        "'s3://w/sales.db/orders/metadata/00004-b.metadata.json', expected "
        "'s3://w/sales.db/orders/metadata/00003-a.metadata.json'",
    ]


def test_hms_missing_database_recorded_missing_one_present_and_not_described():
    actual = copy.deepcopy(HMS)
    del actual['hive_metastore']['databases']['sales']
    actual['hive_metastore']['databases']['gone_on_purpose'] = {'exists': True, 'tables': {}}
    assert platform_drift(HMS, actual, ['hive_metastore']) == [
        'hive metastore database gone_on_purpose exists now (it was recorded as missing)',
        'hive metastore database sales is missing']
    assert platform_drift(HMS, {}) == ['hive_metastore: not described now, although the test recorded it']
    assert platform_drift(HMS, {}, ['s3']) == []
