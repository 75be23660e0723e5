# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Phase 1 report (plugins/module_utils/report/): criteria from real results files (trimmed copies
of reports/latest/*.json in fixtures/phase1/), thresholds at their boundaries, missing and unreadable inputs,
Polaris results required, JUnit structure, redaction of secrets, real matplotlib plots, atomic writes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import secrets as pysecrets
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report import charts, model, writer
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.charts import render_plots
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.criteria import build_report, evaluate
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.model import (
    FAILED,
    PASSED,
    SKIPPED,
    ReportError,
    validate_thresholds,
    validate_timestamp,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.redact import Redactor
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.render import render_junit
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.report.writer import make_report, write_report

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'phase1')
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def fixture(name):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        return json.load(handle)


@pytest.fixture
def results():
    return {
        's3_storage': fixture('s3_storage'),
        'polaris': fixture('polaris'),
        'iceberg_tables': fixture('iceberg_tables'),
        'metastore_backup': fixture('metastore_backup'),
        'operational_readiness': fixture('operational_readiness'),
        'hive_metastore': fixture('hive_metastore'),
    }


def by_id(criteria):
    return dict((c['id'], c) for c in criteria)


def crit(results, cid, thresholds=None):
    criteria, dummy, dummy2 = evaluate(results, thresholds)
    return by_id(criteria)[cid]


# ------------------------------------------------------------------------------------------- real results

def test_real_results_pass(results):
    criteria, inputs, warnings = evaluate(results)
    got = by_id(criteria)
    assert warnings == []
    assert inputs == {'s3_storage': 'present', 'polaris': 'present', 'iceberg_tables': 'present',
                      'metastore_backup': 'present', 'operational_readiness': 'present', 'hive_metastore': 'present'}
    assert [c['id'] for c in criteria] == [
        's3_functional', 's3_operation_latency', 'polaris_deployed', 'catalog_answering', 'polaris_check_health',
        'polaris_check_metrics', 'polaris_check_configured_as_data',
        'polaris_check_s3_backend_write_through_polaris_read_back_objects_on_rgw',
        'polaris_check_read_only_principal_refused_a_write', 'polaris_check_management_api_the_seed_s_curl',
        'polaris_check_list_namespaces_p95', 'polaris_check_load_table_p95', 'table_creation_time',
        'metadata_query_latency', 'tables_created_updated_queried', 'time_travel', 'maintenance', 'backup_time',
        'backup_recovery_validated', 'backup_scheduled', 'hms_metadata_queries', 'hms_tables_created_updated_queried',
        'targets_up', 'alert_rules_loaded_tested', 'dashboards_data',
        'logs_per_component']
    assert dict((k, v['status']) for k, v in got.items() if v['status'] != PASSED) == {}
    assert got['polaris_check_load_table_p95']['figure'] == 0.0219 and got['polaris_check_load_table_p95']['unit'] == 's'
    s3 = results['s3_storage']['baseline']
    assert got['s3_operation_latency']['figure'] == s3['max_op_seconds']
    assert got['s3_operation_latency']['threshold'] == 5.0 and got['s3_operation_latency']['unit'] == 's'
    assert 'warnings: checksum_pyarrow, multipart' in got['s3_functional']['detail']
    timings = results['iceberg_tables']['timings']
    assert got['table_creation_time']['figure'] == timings['create_table_seconds']
    assert got['metadata_query_latency']['figure'] == max(timings['metadata_query_seconds'])
    assert 'inside iceberg_table_info' in got['metadata_query_latency']['detail']
    assert 'SQL catalog' in got['metadata_query_latency']['detail']
    assert got['time_travel']['figure'] == timings['time_travel_seconds']
    assert got['tables_created_updated_queried']['figure'] == '1 table(s), 3 row(s)'
    assert got['tables_created_updated_queried']['detail'].endswith('; catalog: PyIceberg SQL catalog on PostgreSQL, '
                                                                    'standing in for Polaris')
    assert got['backup_time']['figure'] == max(b['duration_seconds'] for b in results['metastore_backup']['backups'])
    # the fixture's polaris database is empty (0 tables, 0 rows checked): it validates nothing (issue 17)
    assert got['backup_recovery_validated']['figure'] == '1/2 verified, 1 nothing to verify'
    assert 'polaris: nothing to verify' in got['backup_recovery_validated']['detail']
    for item in criteria:
        assert set(item) == {'id', 'objective', 'check', 'status', 'figure', 'unit', 'threshold', 'detail'}
        assert item['objective'] in ('1.1', '1.2', '1.3', '1.4', 'hms', 'ops')


def test_results_as_json_text_are_parsed(results):
    text = dict((k, json.dumps(v)) for k, v in results.items())
    assert evaluate(text)[0] == evaluate(results)[0]


def test_older_iceberg_results_fall_back(results):
    results['iceberg_tables'] = fixture('iceberg_tables_no_timings')
    got = by_id(evaluate(results)[0])
    assert got['table_creation_time']['status'] == PASSED
    assert got['table_creation_time']['figure'] == 3.935
    assert 'tables[].seconds' in got['table_creation_time']['detail']
    assert got['time_travel']['figure'] == 3.056
    # The only related figure (3.056 s wall time incl. start-up) is an upper bound above 2 s: no measurement.
    meta = got['metadata_query_latency']
    assert meta['status'] == FAILED and meta['figure'] is None
    assert meta['detail'].startswith('no measurement: ')
    assert 're-run playbooks/iceberg_tables.yml' in meta['detail']


def test_older_iceberg_results_upper_bound_within_threshold_passes(results):
    old = fixture('iceberg_tables_no_timings')
    old['demo']['time_travel_seconds'] = 1.5
    results['iceberg_tables'] = old
    meta = crit(results, 'metadata_query_latency')
    assert meta['status'] == PASSED and meta['figure'] == 1.5
    assert 'upper bound' in meta['detail']


def test_metadata_query_from_wall_times_only(results):
    ice = results['iceberg_tables']
    # In-module figures of the steps win over wall times: none here.
    assert crit(results, 'metadata_query_latency')['figure'] == max(ice['timings']['metadata_query_seconds'])
    ice['timings'] = {'metadata_query_wall_seconds': [1.2, 2.5]}
    assert crit(results, 'metadata_query_latency')['figure'] == max(ice['demo']['metadata_query_seconds'])
    ice['demo'].pop('metadata_query_seconds')
    ice['tables'][0].pop('metadata_query_seconds')
    meta = crit(results, 'metadata_query_latency')
    assert meta['status'] == FAILED and meta['figure'] == 2.5
    assert 'upper bound' in meta['detail']


def test_metadata_query_without_anything_is_no_measurement(results):
    ice = results['iceberg_tables']
    ice.pop('timings')
    ice['demo'] = {}
    for table in ice['tables']:
        table.pop('metadata_query_seconds', None)
    meta = crit(results, 'metadata_query_latency')
    assert meta['status'] == FAILED and meta['detail'].startswith('no measurement')


# ------------------------------------------------------------------------------------------- thresholds

@pytest.mark.parametrize('cid, threshold, path', [
    ('s3_operation_latency', 's3_operation_seconds', ('s3_storage', 'baseline', 'max_op_seconds')),
    ('metadata_query_latency', 'metadata_query_seconds', ('iceberg_tables', 'timings', 'metadata_query_seconds')),
    ('table_creation_time', 'table_creation_seconds', ('iceberg_tables', 'timings', 'create_table_seconds')),
    ('backup_time', 'backup_seconds', ('metastore_backup', 'backups', 0, 'duration_seconds')),
])
@pytest.mark.parametrize('limit', [5.0, 2.0, 30.0, 600.0])
def test_threshold_boundaries(results, cid, threshold, path, limit):
    def put(value):
        data = copy.deepcopy(results)
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = [value] if cid == 'metadata_query_latency' else value
        if cid == 'backup_time':
            for backup in data['metastore_backup']['backups'][1:]:
                backup['duration_seconds'] = 0.1
        return data

    thresholds = {threshold: limit}
    at = crit(put(limit), cid, thresholds)
    assert at['status'] == PASSED and at['figure'] == limit and at['threshold'] == limit
    above = crit(put(limit + 0.001), cid, thresholds)
    assert above['status'] == FAILED
    assert 'above the threshold' in above['detail']
    below = crit(put(limit - 0.001), cid, thresholds)
    assert below['status'] == PASSED


def test_threshold_defaults_and_validation():
    assert validate_thresholds(None) == {'s3_operation_seconds': 5.0, 'metadata_query_seconds': 2.0,
                                         'table_creation_seconds': 30.0, 'backup_seconds': 600.0}
    assert validate_thresholds({'backup_seconds': '60', 'metadata_query_seconds': None})['backup_seconds'] == 60.0
    for bad in (0, -1, 'abc', True, float('nan')):
        with pytest.raises(ReportError, match='must be a number of seconds > 0'):
            validate_thresholds({'backup_seconds': bad})
    with pytest.raises(ReportError, match='unknown threshold'):
        validate_thresholds({'backup_minutes': 10})


def test_check_text_follows_thresholds(results):
    item = crit(results, 'backup_time', {'backup_seconds': 1200})
    assert item['check'] == 'Metastore backup completes within 1200 s (20 min)'


# ------------------------------------------------------------------------------------------- missing, broken

@pytest.mark.parametrize('name, objective, playbook', [
    ('s3_storage', '1.1', 'playbooks/s3_storage.yml'),
    ('iceberg_tables', '1.3', 'playbooks/iceberg_tables.yml'),
    ('metastore_backup', '1.4', 'playbooks/metastore_backup.yml'),
])
def test_missing_objective_fails_its_criteria(results, name, objective, playbook):
    del results[name]
    criteria, inputs, dummy = evaluate(results)
    assert inputs[name] == 'absent'
    mine = [c for c in criteria if c['objective'] == objective]
    assert mine and all(c['status'] == FAILED for c in mine)
    assert all(c['detail'] == 'no results: run %s' % playbook for c in mine)
    others = [c for c in criteria if c['objective'] not in (objective, '1.2')]
    assert all(c['status'] == PASSED for c in others)


def test_unreadable_and_foreign_results(results):
    results['s3_storage'] = '{"objective": "1.1", '
    results['metastore_backup'] = dict(results['iceberg_tables'])
    results['surprise'] = {}
    criteria, inputs, warnings = evaluate(results)
    got = by_id(criteria)
    assert inputs['s3_storage'].startswith('unreadable: s3_storage.json is not valid JSON')
    assert got['s3_functional']['status'] == FAILED
    assert 're-run playbooks/s3_storage.yml' in got['s3_functional']['detail']
    assert 'results of objective 1.3, not 1.4' in got['backup_time']['detail']
    assert warnings == ["ignored results 'surprise': not an objective of Phase 1 "
                        "(s3_storage, polaris, iceberg_tables, metastore_backup, hive_metastore, operational_readiness)"]


def test_s3_incompatible_lists_failed_checks_with_remedy(results):
    s3 = results['s3_storage']
    s3['compatible'] = False
    s3['failed_checks'] = ['checksum_pyarrow']
    item = crit(results, 's3_functional')
    assert item['status'] == FAILED
    assert item['detail'].startswith('failed checks: checksum_pyarrow: pyarrow')
    assert 'remedy: export AWS_REQUEST_CHECKSUM_CALCULATION=when_required' in item['detail']


def test_s3_without_baseline_is_no_measurement(results):
    del results['s3_storage']['baseline']
    item = crit(results, 's3_operation_latency')
    assert item['status'] == FAILED and item['detail'].startswith('no measurement')


def test_backup_without_verification_is_not_recovery(results):
    results['metastore_backup']['verifications'] = []
    item = crit(results, 'backup_recovery_validated')
    assert item['status'] == FAILED and 'recovery not validated' in item['detail']
    results['metastore_backup']['verifications'] = [{'ok': True, 'restored': True, 'checksum_ok': True}, {}]
    item = crit(results, 'backup_recovery_validated')
    assert item['status'] == FAILED and item['figure'] == '1/2 verified'
    assert 'iceberg_catalog: not verified' in item['detail']
    results['metastore_backup']['verifications'][1] = {'ok': False, 'restored': True, 'mismatches': [{'t': 1}]}
    item = crit(results, 'backup_recovery_validated')
    assert item['status'] == FAILED and 'iceberg_catalog: ok, mismatches' in item['detail']


def test_demo_and_maintenance_disabled_are_skipped(results):
    results['iceberg_tables']['demo'] = {}
    results['iceberg_tables']['maintenance'] = []
    results['metastore_backup']['cronjob'] = None
    got = by_id(evaluate(results)[0])
    assert got['time_travel']['status'] == SKIPPED
    assert got['maintenance']['status'] == SKIPPED
    assert got['backup_scheduled']['status'] == SKIPPED
    assert got['tables_created_updated_queried']['status'] == PASSED


def test_tables_problems_are_named(results):
    ice = results['iceberg_tables']
    ice['artifacts'][0]['data_files'] = 0
    ice['final'][0]['schema'] = ice['final'][0]['schema'][:3]
    item = crit(results, 'tables_created_updated_queried')
    assert item['status'] == FAILED
    assert 'no metadata or no data files' in item['detail']
    assert "evolved column 'category' missing" in item['detail']


# ------------------------------------------------------------------------------------------- Polaris

def test_polaris_absent_fails_naming_the_playbook(results):
    del results['polaris']
    report = build_report(results)
    polaris = [c for c in report['criteria'] if c['objective'] == '1.2']
    assert [c['status'] for c in polaris] == [FAILED, FAILED]
    assert all(c['detail'] == 'no results: run playbooks/polaris.yml' for c in polaris)
    assert report['passed'] is False and report['failed'] == ['polaris_deployed', 'catalog_answering']
    assert report['objectives'][1]['status'] == FAILED


def test_polaris_results_are_evaluated_generically(results):
    results['polaris'] = {'objective': '1.2', 'version': '1.4.1', 'checks': [
        {'name': 'health', 'status': 'pass', 'duration_ms': 12},
        {'name': 'oauth2 token', 'status': 'passed', 'seconds': 0.2},
        {'name': 'list catalogs', 'status': 'fail', 'detail': 'HTTP 500', 'remedy': 'look at the server log'},
        {'name': 'rbac', 'status': 'skip'},
    ]}
    got = by_id(evaluate(results)[0])
    assert got['polaris_deployed']['status'] == PASSED and got['polaris_deployed']['figure'] == '1.4.1'
    assert got['catalog_answering']['status'] == FAILED
    assert got['catalog_answering']['figure'] == '2/4 passed'
    assert got['polaris_check_health']['figure'] == 12 and got['polaris_check_health']['unit'] == 'ms'
    assert got['polaris_check_oauth2_token']['status'] == PASSED
    assert got['polaris_check_list_catalogs']['status'] == FAILED
    assert 'remedy: look at the server log' in got['polaris_check_list_catalogs']['detail']
    assert got['polaris_check_rbac']['status'] == SKIPPED
    results['polaris'] = {'objective': '1.2', 'deployed': False, 'reason': 'build failed'}
    got = by_id(evaluate(results)[0])
    assert got['polaris_deployed']['status'] == FAILED and got['polaris_deployed']['detail'] == 'build failed'
    assert got['catalog_answering']['status'] == FAILED


# ------------------------------------------------------------------------------------------- JUnit

def test_junit_one_case_per_criterion(results):
    results['iceberg_tables']['timings']['create_table_seconds'] = 31
    results['metastore_backup']['cronjob'] = None  # backup_scheduled is skipped
    report = build_report(results)
    root = ET.fromstring(render_junit(report).encode('utf-8'))
    assert root.tag == 'testsuites'
    cases = root.findall('./testsuite/testcase')
    assert len(cases) == len(report['criteria'])
    assert [c.get('name').split(':')[0] for c in cases] == [c['id'] for c in report['criteria']]
    assert int(root.get('tests')) == len(cases)
    assert int(root.get('failures')) == 1 == len(root.findall('.//failure'))
    assert int(root.get('skipped')) == 1 == len(root.findall('.//skipped'))
    suites = dict((s.get('name').split()[0], s) for s in root.findall('testsuite'))
    assert sorted(suites) == ['1.1', '1.2', '1.3', '1.4', 'hms', 'ops']
    assert suites['1.3'].get('failures') == '1' and suites['1.3'].get('tests') == '5'
    assert suites['1.4'].get('skipped') == '1' and suites['1.2'].get('tests') == '10'
    failure = suites['1.3'].find('.//failure')
    assert '31 s is above the threshold 30 s' in failure.get('message')
    skipped = suites['1.4'].find('.//skipped')
    assert skipped.get('message') == by_id(report['criteria'])['backup_scheduled']['detail']
    props = dict((p.get('name'), p.get('value')) for p in suites['1.3'].findall('./properties/property'))
    assert props['table_creation_time.figure'] == '31 s'
    assert props['table_creation_time.threshold'] == '<= 30 s'
    for case in cases:
        assert case.get('classname').startswith(('phase1.objective_1_', 'phase1.objective_ops', 'phase1.objective_hms'))


def test_junit_survives_control_characters(results):
    results['s3_storage']['failed_checks'] = ['bad\x01name']
    results['s3_storage']['compatible'] = False
    ET.fromstring(render_junit(build_report(results)).encode('utf-8'))


# ------------------------------------------------------------------------------------------- secrets

def test_redactor_data_and_text_forms():
    secret = 'p"a|s<s&' + pysecrets.token_hex(8)
    red = Redactor([secret, '', None, '  '])
    assert red.secrets == [secret]
    data = red.data({'k': 'x%sy' % secret, secret: [secret, 3]})
    assert data == {'k': 'x********y', '********': ['********', 3]}
    assert red.count == 3
    for form in (json.dumps(secret)[1:-1], secret.replace('&', '&amp;').replace('<', '&lt;').replace('"', '&quot;'),
                 secret.replace('|', '\\|')):
        assert red.text('a %s b' % form) == 'a ******** b'
    assert red.count == 6


def test_secrets_never_written(results, tmp_path):
    secret = pysecrets.token_urlsafe(24)
    password = pysecrets.token_hex(16)
    # A secret leaked into the results (a detail, a key) must not reach the report files.
    results['s3_storage']['checks'][0]['detail'] = 'connected with %s' % secret
    results['s3_storage']['failed_checks'] = ['connectivity']
    results['s3_storage']['compatible'] = False
    results['metastore_backup']['cronjob'] = '/x/%s/cronjob.yaml' % password
    out = make_report(results, report_root=str(tmp_path), timestamp='20260101T000000Z', plots=False,
                      secrets=[secret, password])
    assert out['redactions'] >= 2
    for name in os.listdir(out['report_dir']):
        with open(os.path.join(out['report_dir'], name), 'rb') as handle:
            data = handle.read()
        assert secret.encode() not in data and password.encode() not in data, name
    assert secret not in json.dumps(out) and password not in json.dumps(out)
    assert '********' in by_id(out['criteria'])['s3_functional']['detail']


def test_no_secret_no_redaction(results, tmp_path):
    out = make_report(results, report_root=str(tmp_path), plots=False, secrets=[pysecrets.token_hex(20)])
    assert out['redactions'] == 0


# ------------------------------------------------------------------------------------------- plots

def test_plots_are_png(results):
    pngs = render_plots(results, None)
    assert sorted(pngs) == ['s3_latency.png', 's3_throughput_by_size.png', 'step_timings.png']
    for data in pngs.values():
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000


def test_plots_absent_without_data(results):
    del results['s3_storage']['baseline']
    assert sorted(render_plots(results, None)) == ['step_timings.png']
    assert render_plots({}, None) == {}


def test_step_rows(results):
    """One kind of time (inside the module) for every step, the S3 validation included; each step once (issue 17)."""
    rows = charts.step_rows(results)
    labels = [r[0] for r in rows]
    assert len(labels) == len(set(labels))
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)  # grouped by objective, in order
    assert [r for r in rows if r[2] == '1.1 S3 storage'][-1][0].startswith('S3 validation (')
    # The largest step is there, with the module's own elapsed_seconds, and is the largest bar.
    assert max(rows, key=lambda r: r[1])[0].startswith('S3 validation')
    assert max(r[1] for r in rows) == results['s3_storage']['module_seconds']['validation']
    # No sub-phases of a step next to the step (the old plot had "S3 baseline: small timed" and "small sequential").
    assert not [label for label in labels if 'baseline:' in label or 'timed' in label or 'slowest' in label]
    assert 'converge table lakehouse.sample_data' in labels
    assert 'time-travel read of the tagged snapshot' in labels and 'schema evolution (add a column, tag)' in labels
    assert 'backup polaris' in labels and 'restore and verify iceberg_catalog' in labels
    # Time inside the module, not the task's wall time (seconds 2.448 vs module_seconds 0.623 in the fixture).
    converge = [r for r in rows if r[0] == 'converge table lakehouse.sample_data'][0]
    assert converge[1] == results['iceberg_tables']['tables'][0]['module_seconds']
    assert 'time inside the module' in charts.STEP_TIME_KIND


def test_step_rows_without_module_seconds_sum_the_checks(results):
    del results['s3_storage']['module_seconds']
    rows = dict((r[0], r[1]) for r in charts.step_rows(results))
    checks = results['s3_storage']['checks']
    assert rows['S3 validation (%d checks, baseline included)' % len(checks)] == pytest.approx(
        sum(c['duration_ms'] for c in checks) / 1000.0)


def test_throughput_by_size_from_4_kib_to_64_mib(results):
    points = charts.throughput_points(results['s3_storage']['baseline'])
    sizes = [p[0] for p in points]
    assert sizes[0] == 4096 and sizes[-1] == 64 * 1024 * 1024 and len(sizes) >= 8
    assert sizes == sorted(set(sizes))
    assert all(set(p[1]) == {'put', 'get'} for p in points)
    assert [p[2] for p in points] == [s >= results['s3_storage']['baseline']['part_size'] for s in sizes]


def test_throughput_points_of_results_without_a_sweep(results):
    base = results['s3_storage']['baseline']
    del base['throughput_by_size']
    points = charts.throughput_points(base)
    assert [p[0] for p in points] == [base['object_size'], base['large_object_size']]
    assert points[1][1] == base['throughput_mb_s']


# ------------------------------------------------------------------------------------------- files

def test_full_report_written(results, tmp_path):
    root = tmp_path / 'reports'
    out = make_report(results, report_root=str(root), timestamp='20260101T000000Z')
    assert out['changed'] is True and out['passed'] is True
    directory = root / '20260101T000000Z'
    assert out['report_dir'] == str(directory)
    assert sorted(os.listdir(str(directory))) == ['junit.xml', 'results.json', 's3_latency.png',
                                                  's3_throughput_by_size.png', 'step_timings.png', 'summary.md']
    assert sorted(out['files']) == sorted(str(directory / n) for n in os.listdir(str(directory)))
    assert oct(os.stat(str(directory)).st_mode & 0o777) == oct(0o755)
    for name in os.listdir(str(directory)):
        assert oct(os.stat(str(directory / name)).st_mode & 0o777) == oct(0o644)
    assert os.readlink(str(root / 'report')) == '20260101T000000Z'
    saved = json.loads((directory / 'results.json').read_text())
    assert saved['format'] == model.REPORT_FORMAT and saved['generated_at'] == '2026-01-01T00:00:00Z'
    assert [c['id'] for c in saved['criteria']] == [c['id'] for c in out['criteria']]
    summary = (directory / 'summary.md').read_text()
    assert summary.count('| Check | Result | Figure | Threshold | Detail |') == 6
    assert '| PASSED | 0.022 s | <= 2 s | p50 13.2 ms over 50 calls |' in summary
    assert '![S3 latency distribution by operation](s3_latency.png)' in summary
    assert out['lines'][-1] == 'Phase 1: PASSED (26 passed, 0 failed, 0 skipped)'
    # Same timestamp, same inputs: nothing to write.
    again = make_report(results, report_root=str(root), timestamp='20260101T000000Z')
    assert again['changed'] is False
    # Another report moves the link; the first stays.
    third = make_report(results, report_root=str(root), timestamp='20260101T000100Z')
    assert third['changed'] is True and os.readlink(str(root / 'report')) == '20260101T000100Z'
    assert sorted(os.listdir(str(root))) == ['20260101T000000Z', '20260101T000100Z', 'report']


def test_same_timestamp_different_content_replaces(results, tmp_path):
    make_report(results, report_root=str(tmp_path), timestamp='t1', plots=False)
    results['iceberg_tables']['timings']['create_table_seconds'] = 99
    out = make_report(results, report_root=str(tmp_path), timestamp='t1', plots=False)
    assert out['changed'] is True and out['passed'] is False
    assert out['failed_criteria'] == ['table_creation_time']
    assert sorted(os.listdir(str(tmp_path))) == ['report', 't1']
    assert json.loads((tmp_path / 't1' / 'results.json').read_text())['passed'] is False


def test_check_mode_writes_nothing(results, tmp_path):
    root = tmp_path / 'reports'
    out = make_report(results, report_root=str(root), timestamp='t1', check_mode=True)
    assert out['changed'] is True
    assert not root.exists()
    assert len(out['criteria']) == 26


def test_atomic_write_leaves_no_partial_directory(results, tmp_path, monkeypatch):
    files = {'summary.md': b'x', 'results.json': b'{}', 'junit.xml': b'<x/>'}
    real_fdopen = os.fdopen
    calls = []

    def failing_fdopen(fd, *args, **kwargs):
        calls.append(fd)
        if len(calls) == 2:
            os.close(fd)
            raise OSError(28, 'No space left on device')
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(writer.os, 'fdopen', failing_fdopen)
    with pytest.raises(ReportError, match='No space left on device'):
        write_report(str(tmp_path), 't1', files)
    assert os.listdir(str(tmp_path)) == []
    # An existing report of that name survives a failed rewrite untouched.
    monkeypatch.setattr(writer.os, 'fdopen', real_fdopen)
    write_report(str(tmp_path), 't1', files)
    calls[:] = []
    monkeypatch.setattr(writer.os, 'fdopen', failing_fdopen)
    with pytest.raises(ReportError):
        write_report(str(tmp_path), 't1', dict(files, **{'summary.md': b'y'}))
    assert sorted(os.listdir(str(tmp_path))) == ['report', 't1']
    assert (tmp_path / 't1' / 'summary.md').read_bytes() == b'x'


def test_stale_temporary_directories_are_removed(tmp_path):
    stale = tmp_path / '.t0.tmp-abc'
    stale.mkdir()
    (stale / 'summary.md').write_text('half')
    old = 1000000000
    os.utime(str(stale), (old, old))
    fresh = tmp_path / '.t2.tmp-def'
    fresh.mkdir()
    write_report(str(tmp_path), 't1', {'summary.md': b'x'})
    assert sorted(os.listdir(str(tmp_path))) == ['.t2.tmp-def', 'report', 't1']


def test_last_must_be_a_symlink(tmp_path):
    (tmp_path / 'report').mkdir()
    with pytest.raises(ReportError, match='is not a symlink'):
        write_report(str(tmp_path), 't1', {'summary.md': b'x'})
    out = write_report(str(tmp_path), 't2', {'summary.md': b'x'}, latest_link=False)
    assert out[0] is True


@pytest.mark.parametrize('bad', ['../x', 'a/b', '.', '..', 'report', '.hidden', 'x' * 101, 'a b', 't.tmp-1'])
def test_timestamp_validation(bad):
    with pytest.raises(ReportError, match='not a usable directory name'):
        validate_timestamp(bad)


def test_default_timestamp_format():
    stamp = validate_timestamp(None)
    assert len(stamp) == 16 and stamp[8] == 'T' and stamp.endswith('Z')
    assert model.generated_at(stamp).endswith('Z')


def test_module_run_report_passes_warnings_on(results, tmp_path):
    """The module's work on LakehouseModule: make_report's result without its warnings, which go to warn()."""
    from ansible_collections.dataplatform.lakehouse.plugins.modules import phase1_report as module
    params = dict(results=dict(results, surprise={}), thresholds={}, report_root=str(tmp_path), timestamp='20260101T000000Z',
                  plots=False, secrets=[], latest_link=True)
    warned = []
    result = module.run_report(params, check_mode=True, warn=warned.append)
    assert 'warnings' not in result and result['changed'] is True
    assert warned == ["ignored results 'surprise': not an objective of Phase 1 "
                      "(s3_storage, polaris, iceberg_tables, metastore_backup, hive_metastore, operational_readiness)"]
    assert not os.listdir(str(tmp_path))  # check mode writes nothing


def test_module_reads_the_results_directory(tmp_path):
    """results_dir: the files present are read (a missing one is absent); results given inline win."""
    from ansible_collections.dataplatform.lakehouse.plugins.modules import phase1_report as module
    for name in ('s3_storage', 'polaris'):
        with open(os.path.join(FIXTURES, name + '.json')) as source:
            (tmp_path / (name + '.json')).write_text(source.read())
    (tmp_path / 'other.json').write_text('{}')
    found = module.read_results_dir(str(tmp_path))
    assert sorted(found) == ['polaris', 's3_storage'] and json.loads(found['polaris']) == fixture('polaris')
    assert module.read_results_dir(str(tmp_path / 'missing')) == {}
    params = dict(results={'polaris': None}, results_dir=str(tmp_path), thresholds={}, report_root=str(tmp_path / 'r'),
                  timestamp='20260101T000000Z', plots=False, secrets=[], latest_link=False)
    result = module.run_report(params, check_mode=True)
    statuses = dict((c['id'], c['status']) for c in result['criteria'])
    assert statuses['s3_functional'] == PASSED and statuses['polaris_deployed'] == FAILED


# ------------------------------------------------------------- issue 17: the report claims only what it measured

def test_table_creation_is_a_real_creation_of_this_run(results):
    item = crit(results, 'table_creation_time')
    assert item['status'] == PASSED and 'a real creation on this run: scratch table' in item['detail']
    del results['iceberg_tables']['scratch']
    item = crit(results, 'table_creation_time')
    assert 'existing table converged' in item['detail']


def test_maintenance_with_real_work_checked(results):
    item = crit(results, 'maintenance')
    assert item['status'] == PASSED and item['figure'].startswith('2 snapshot(s) expired')
    assert 'both checked as done' in item['detail']
    results['iceberg_tables']['scratch']['orphan_removed'] = False
    item = crit(results, 'maintenance')
    assert item['status'] == FAILED and 'orphan file' in item['detail'] and 'was not removed' in item['detail']
    results['iceberg_tables']['scratch'].update(orphan_removed=True, expired_snapshot_ids=[], snapshots_left=3)
    item = crit(results, 'maintenance')
    assert item['status'] == FAILED and '0 of 2 older snapshot(s) expired' in item['detail']


def test_maintenance_with_nothing_to_do_is_not_validated(results):
    del results['iceberg_tables']['scratch']
    item = crit(results, 'maintenance')
    assert item['status'] == SKIPPED and item['detail'].startswith('nothing to do')
    assert 'validated' not in item['detail'].replace('did not validate', '')


def test_empty_databases_validate_nothing(results):
    for verification in results['metastore_backup']['verifications']:
        verification.update(tables_checked=0, rows_checked=0)
    item = crit(results, 'backup_recovery_validated')
    assert item['status'] == FAILED and item['figure'] == '0/2 verified, 2 nothing to verify'
    assert 'nothing to verify' in item['detail']


def test_the_report_link_is_not_named_like_the_results_dir(tmp_path):
    """reports/last (the report) and reports/latest (the results) were too easy to confuse (issue 17)."""
    os.symlink('old', str(tmp_path / 'last'))
    writer.update_link(str(tmp_path), '20260101T000000Z')
    assert os.readlink(str(tmp_path / 'report')) == '20260101T000000Z'
    assert not os.path.lexists(str(tmp_path / 'last'))
    assert model.LATEST_LINK not in ('last', 'latest')


def test_step_rows_of_objective_1_2(results):
    """Objective 1.2's steps are in the step chart, each with its module's own time; a step of nothing is left out."""
    rows = [r for r in charts.step_rows(results) if r[2] == '1.2 Polaris catalog']
    labels = dict((r[0], r[1]) for r in rows)
    seconds = results['polaris']['module_seconds']
    assert labels['converge 1 catalog(s), their roles and grants'] == seconds['catalogs']
    assert labels['converge 2 principal role(s)'] == seconds['principal_roles']
    assert labels['write a table through Polaris (catalog principal)'] == seconds['write_through_polaris']
    assert labels['metadata calls measured (p50/p95)'] == seconds['metadata_timing']
    # principals: 0 converged in the fixture, so no bar for them
    assert not [label for label in labels if 'principal(s)' in label]
    # in the phase's order: after 1.1, before 1.3
    groups = [r[2] for r in charts.step_rows(results)]
    assert groups.index('1.2 Polaris catalog') > groups.index('1.1 S3 storage')
    assert groups.index('1.2 Polaris catalog') < groups.index('1.3 Iceberg tables')
    del results['polaris']['module_seconds']
    assert not [r for r in charts.step_rows(results) if r[2] == '1.2 Polaris catalog']


# ------------------------------------------------------------------------------------ operational readiness

READINESS_IDS = ['targets_up', 'alert_rules_loaded_tested', 'dashboards_data', 'logs_per_component']


def test_readiness_measured_passes_with_figures(results):
    got = by_id(evaluate(results)[0])
    assert [got[c]['status'] for c in READINESS_IDS] == [PASSED] * 4
    assert got['targets_up']['figure'] == '7/7' and got['logs_per_component']['figure'] == '6/6'
    assert 'promtool check rules: ok' in got['alert_rules_loaded_tested']['detail']


def test_readiness_without_results_is_not_measured_never_passed(results):
    del results['operational_readiness']
    criteria, inputs, dummy = evaluate(results)
    mine = [c for c in criteria if c['objective'] == 'ops']
    assert inputs['operational_readiness'] == 'absent'
    assert [c['id'] for c in mine] == READINESS_IDS
    assert all(c['status'] == SKIPPED and c['detail'].startswith('not measured') for c in mine)
    assert all(c['status'] == PASSED for c in criteria if c['objective'] not in ('ops', '1.2'))


def test_readiness_not_measured_says_why(results):
    results['operational_readiness'] = {'objective': 'ops', 'measured': False,
                                        'reason': 'Prometheus at http://127.0.0.1:59090 does not answer'}
    mine = [c for c in evaluate(results)[0] if c['objective'] == 'ops']
    assert all(c['status'] == SKIPPED for c in mine)
    assert all(c['detail'] == 'not measured: Prometheus at http://127.0.0.1:59090 does not answer' for c in mine)


def test_readiness_failures_are_named(results):
    data = copy.deepcopy(results['operational_readiness'])
    data['targets'] = {'total': 7, 'up': 6, 'down': ['polaris: connection refused']}
    data['rules'] = {'expected': 15, 'loaded': 14, 'healthy': 14, 'promtool': 'ok'}
    data['dashboards'] = {'queries': 30, 'with_data': 29, 'empty': ['Backup age']}
    data['logs']['missing'] = ['polaris']
    data['logs']['present'] = data['logs']['present'][:-1]
    data['logs']['error'] = None
    results['operational_readiness'] = data
    got = by_id(evaluate(results)[0])
    assert [got[c]['status'] for c in READINESS_IDS] == [FAILED] * 4
    assert 'down: polaris: connection refused' in got['targets_up']['detail']
    assert 'loaded 14, the source has 15' in got['alert_rules_loaded_tested']['detail']
    assert 'no series: Backup age' in got['dashboards_data']['detail']
    assert 'no lines from: polaris' in got['logs_per_component']['detail']
    del data['dashboards']
    assert by_id(evaluate(results)[0])['dashboards_data']['status'] == SKIPPED


# ------------------------------------------------------------------------------------------- Hive Metastore

HMS_IDS = ['hms_metadata_queries', 'hms_tables_created_updated_queried']


def test_hms_measured_passes_with_figures(results):
    got = by_id(evaluate(results)[0])
    lookups = results['hive_metastore']['check']['lookups']
    assert [got[c]['status'] for c in HMS_IDS] == [PASSED, PASSED]
    assert got['hms_metadata_queries']['figure'] == round(max(x['p95_ms'] for x in lookups) / 1000.0, 4)
    assert got['hms_metadata_queries']['threshold'] == 2.0 and got['hms_metadata_queries']['unit'] == 's'
    assert 'get_database (one connection)' in got['hms_metadata_queries']['detail']
    assert 'over 100 calls each' in got['hms_metadata_queries']['detail']
    assert got['hms_tables_created_updated_queried']['figure'] == '5 row(s) written, 5 read'
    assert "column 'note' added" in got['hms_tables_created_updated_queried']['detail']


@pytest.mark.parametrize('data', [None, {'objective': 'hms', 'measured': False, 'configured': False}])
def test_hms_not_configured_is_skipped_never_passed(results, data):
    if data is None:
        del results['hive_metastore']
    else:
        results['hive_metastore'] = data
    criteria = evaluate(results)[0]
    mine = [c for c in criteria if c['objective'] == 'hms']
    assert [c['id'] for c in mine] == HMS_IDS
    assert all(c['status'] == SKIPPED for c in mine)
    assert all(c['detail'] == 'not measured: no Hive Metastore configured; enable with LAKEHOUSE_HIVE_METASTORE=true '
               "(the local stack's hive_metastore service), or set phase1_hive_metastore_uri for a metastore "
               'elsewhere' for c in mine)


def test_hms_slow_lookup_fails_with_threshold(results):
    check = results['hive_metastore']['check']
    check['lookups'][2]['p95_ms'] = 2500.0
    got = crit(results, 'hms_metadata_queries')
    assert got['status'] == FAILED and got['figure'] == 2.5
    assert got['detail'].startswith('2.5 s is above the threshold 2 s;')
    assert 'slowest p95 get_table (one connection)' in got['detail']
    assert crit(results, 'hms_metadata_queries', {'metadata_query_seconds': 3})['status'] == PASSED


def test_hms_without_table_lookup_is_not_passed(results):
    check = results['hive_metastore']['check']
    check['lookups'] = [x for x in check['lookups'] if 'get_table' not in x['lookup']]
    got = crit(results, 'hms_metadata_queries')
    assert got['status'] == FAILED and 'no get_table lookup' in got['detail']
    check['lookups'] = []
    got = crit(results, 'hms_metadata_queries')
    assert got['status'] == FAILED and got['detail'].startswith('no measurement: hive_metastore.json has no lookups')


@pytest.mark.parametrize('change, expected', [
    ({'rows_read': 3}, '3 row(s) read back of 5 written'),
    ({'schema': ['id', 'region']}, "the added column 'note' is not in the schema read back"),
    ({'metadata_location_matches': False, 'hms_metadata_location': 's3://b/old.json'},
     "the metastore's metadata_location s3://b/old.json is not the table's"),
    ({'updated': False}, 'not updated'),
    ({'dropped': False, 'drop_error': 'boom'}, 'was not dropped: boom'),
])
def test_hms_round_trip_problems_are_named(results, change, expected):
    results['hive_metastore']['check']['round_trip'].update(change)
    got = crit(results, 'hms_tables_created_updated_queried')
    assert got['status'] == FAILED and got['detail'].startswith('not validated: ') and expected in got['detail']


def test_hms_check_failure_is_a_failure_with_its_message(results):
    results['hive_metastore'] = {'objective': 'hms', 'measured': True, 'configured': True,
                                 'error': 'could not connect to the Hive Metastore at thrift://127.0.0.1:9083'}
    got = by_id(evaluate(results)[0])
    assert got['hms_metadata_queries']['status'] == FAILED
    assert 'could not connect' in got['hms_metadata_queries']['detail']
    assert got['hms_tables_created_updated_queried']['detail'] == \
        'the check failed: could not connect to the Hive Metastore at thrift://127.0.0.1:9083'
