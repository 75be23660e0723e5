# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of the Hive Metastore measurements: percentiles and lookup figures (lookups.py), the check's verdict
(check.py) and the facts of one HMS table (facts.py). The real metastore is exercised by the integration target
iceberg_table_hive and the phase1 role on the local stack."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
from types import SimpleNamespace

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.hive import check, facts, lookups


def test_percentile_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert lookups.percentile(values, 0.5) in (50.0, 51.0)
    assert lookups.percentile(values, 0.95) == 95.0
    assert lookups.percentile(values, 1.0) == 100.0
    assert lookups.percentile([3.0], 0.95) == 3.0
    with pytest.raises(ValueError):
        lookups.percentile([], 0.5)


def test_timed_counts_calls_and_durations():
    ticks = itertools.count(0, 0.25)
    calls = []
    durations = lookups.timed(4, lambda: calls.append(1), clock=lambda: next(ticks))
    assert len(calls) == 4 and durations == [0.25] * 4


def test_summarize_against_threshold():
    fast = lookups.summarize('get_table', [0.001] * 19 + [0.5])
    assert fast == {'lookup': 'get_table', 'calls': 20, 'p50_ms': 1.0, 'p95_ms': 1.0, 'max_ms': 500.0,
                    'under_threshold': True}
    slow = lookups.summarize('get_table', [0.001] * 10 + [2.5] * 10)
    assert slow['p95_ms'] == 2500.0 and slow['under_threshold'] is False
    assert lookups.summarize('x', [2.0])['under_threshold'] is True  # the threshold holds when equal


def good_result():
    return {
        'threshold_seconds': 2.0,
        'round_trip': {'created': True, 'updated': True, 'rows_written': 5, 'rows_read': 5, 'added_column': 'note',
                       'schema': ['id', 'region', 'note'], 'metadata_location': 's3://b/m2.json',
                       'hms_metadata_location': 's3://b/m2.json', 'metadata_location_matches': True},
        'lookups': [lookups.summarize('get_table (one connection)', [0.01] * 10)],
    }


def test_check_problems_none_when_good():
    assert check.problems(good_result()) == []
    assert check.finish(good_result())['passed'] is True


@pytest.mark.parametrize('change, expected', [
    (dict(created=False), 'the table was not created'),
    (dict(updated=False), 'the table was not updated'),
    (dict(rows_read=3), '3 row(s) read back of 5 written'),
    (dict(schema=['id', 'region']), "the added column 'note' is not in the schema"),
    (dict(metadata_location_matches=False, hms_metadata_location='s3://b/m1.json'),
     'the metastore names metadata s3://b/m1.json, the table s3://b/m2.json'),
])
def test_check_problems_named(change, expected):
    result = good_result()
    result['round_trip'].update(change)
    assert check.problems(result) == [expected]
    assert check.finish(result)['passed'] is False


def test_check_slow_lookup_is_a_problem():
    result = good_result()
    result['lookups'] = [lookups.summarize('get_table (new connection per call)', [3.0] * 5)]
    assert check.problems(result) == ['get_table (new connection per call) p95 3000.0 ms is above 2.0 s']


def test_check_mode_round_trip_skipped_is_no_problem():
    assert check.problems({'round_trip': {'skipped': 'check mode'}, 'lookups': []}) == []


def test_table_params_take_the_connection_and_force_hive():
    params = dict(uri='thrift://127.0.0.1:9083', warehouse='s3://w/hive', endpoint_url='http://127.0.0.1:7480',
                  access_key='a', secret_key='s', calls=5, namespace='x')
    out = check.table_params(params, 'lakehouse_check', 't1', schema=check.SCHEMA)
    assert out['catalog_type'] == 'hive' and out['catalog_uri'] == 'thrift://127.0.0.1:9083'
    assert out['namespace'] == 'lakehouse_check' and out['name'] == 't1' and out['warehouse'] == 's3://w/hive'
    assert out['secret_key'] == 's' and out['create_namespace'] is True and out['purge'] is False
    assert 'calls' not in out
    info = check.info_params(params, 'lakehouse_check', 't1', query=dict(limit=100))
    assert info['catalog_type'] == 'hive' and info['snapshots'] is False and info['query'] == {'limit': 100}


def hms_table(parameters, table_type='EXTERNAL_TABLE', location='s3://b/w/db.db/t'):
    return SimpleNamespace(parameters=parameters, tableType=table_type, sd=SimpleNamespace(location=location))


def test_table_facts_iceberg_and_other():
    iceberg = facts.table_facts(hms_table({'table_type': 'ICEBERG', 'metadata_location': 's3://b/m.json',
                                           'transient_lastDdlTime': '1'}))
    assert iceberg == {'table_type': 'EXTERNAL_TABLE', 'iceberg': True, 'metadata_location': 's3://b/m.json',
                       'location': 's3://b/w/db.db/t'}
    hive = facts.table_facts(hms_table({'numFiles': '3'}, 'MANAGED_TABLE', None))
    assert hive == {'table_type': 'MANAGED_TABLE', 'iceberg': False}


def test_check_mode_slow_lookup_is_still_a_problem():
    result = {'threshold_seconds': 0.001, 'round_trip': {'skipped': 'check mode'},
              'lookups': [lookups.summarize('get_database (one connection)', [0.01] * 5, threshold=0.001)]}
    assert check.problems(result) == ['get_database (one connection) p95 10.0 ms is above 0.001 s']
