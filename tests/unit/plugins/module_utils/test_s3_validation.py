# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure logic of ceph_s3_validate (plugins/module_utils/s3_validation/): statistics, result schema, error mapping, check selection,
lifecycle merging, recommended settings and the child-process environment. The checks themselves are exercised
against real endpoints (tests/integration/targets/ceph_s3_validate)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import random
import secrets
import socket
import ssl
import subprocess
import sys
from http import client as http_client
from urllib.error import URLError

import pytest
import yaml

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import merge_specs
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3 import errors as s3_errors
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import baseline
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import catalogue
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import diagnose
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3 import buckets, lifecycle
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import report
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import runner
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import validator
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import worker

botocore_exceptions = pytest.importorskip('botocore.exceptions')


# ---------------------------------------------------------------------------------------------------- statistics
class TestPercentile:
    def test_one_to_hundred(self):
        data = list(range(1, 101))
        assert baseline.percentile(data, 50) == pytest.approx(50.5)
        assert baseline.percentile(data, 95) == pytest.approx(95.05)
        assert baseline.percentile(data, 99) == pytest.approx(99.01)

    def test_order_does_not_matter(self):
        data = list(range(1, 101))
        random.Random(7).shuffle(data)
        assert baseline.percentile(data, 95) == pytest.approx(95.05)

    def test_edges(self):
        assert baseline.percentile([], 50) is None
        assert baseline.percentile([3.5], 99) == 3.5
        assert baseline.percentile([1, 2, 3], 0) == 1
        assert baseline.percentile([1, 2, 3], 100) == 3
        assert baseline.percentile([10, 20], 50) == pytest.approx(15)

    def test_matches_numpy_linear(self):
        numpy = pytest.importorskip('numpy')
        rng = random.Random(42)
        for n in (2, 5, 17, 50, 101, 1000):
            data = [rng.expovariate(1 / 8.0) for _i in range(n)]
            for pct in (50, 95, 99):
                assert baseline.percentile(data, pct) == pytest.approx(float(numpy.percentile(data, pct)))

    def test_latency_stats_in_ms(self):
        stats = baseline.latency_stats([i / 1000.0 for i in range(1, 101)])  # 1..100 ms
        assert stats['count'] == 100
        assert stats['min_ms'] == pytest.approx(1)
        assert stats['max_ms'] == pytest.approx(100)
        assert stats['mean_ms'] == pytest.approx(50.5)
        assert stats['p50_ms'] == pytest.approx(50.5)
        assert stats['p95_ms'] == pytest.approx(95.05)
        assert stats['p99_ms'] == pytest.approx(99.01)

    def test_latency_stats_empty(self):
        stats = baseline.latency_stats([])
        assert stats['count'] == 0 and stats['p99_ms'] is None

    def test_throughput(self):
        assert baseline.throughput_mb_s(64 * 10 ** 6, 0.5) == 128.0
        assert baseline.throughput_mb_s(10, 0) is None


# -------------------------------------------------------------------------------------------------- result schema
class TestResultSchema:
    def test_make_result_is_valid(self):
        jsonschema = pytest.importorskip('jsonschema')
        result = catalogue.make_result('multipart', catalogue.PASS, 12.3456, 'ok', None)
        jsonschema.validate(result, catalogue.CHECK_RESULT_SCHEMA)
        assert set(result) == {'name', 'status', 'duration_ms', 'detail', 'remedy', 'required', 'data'}
        assert result['duration_ms'] == 12.3
        assert result['required'] is True
        assert result['remedy'] is None
        assert catalogue.validate_result(result) == []

    def test_every_check_and_status(self):
        jsonschema = pytest.importorskip('jsonschema')
        for name in catalogue.CHECK_NAMES:
            for status in catalogue.STATUSES:
                jsonschema.validate(catalogue.make_result(name, status, 0, 'd', 'r' if status != catalogue.PASS else None),
                                    catalogue.CHECK_RESULT_SCHEMA)

    def test_detail_is_one_line(self):
        result = catalogue.make_result('parquet', catalogue.FAIL, 1, 'line one\n  line two\tend', 'do\nthis')
        assert result['detail'] == 'line one line two end'
        assert result['remedy'] == 'do this'

    def test_negative_duration_clamped(self):
        assert catalogue.make_result('bucket', catalogue.PASS, -3, 'x')['duration_ms'] == 0.0

    def test_informational_checks_are_not_required(self):
        assert catalogue.make_result('presigned', catalogue.FAIL, 1, 'x')['required'] is False
        assert catalogue.make_result('virtual_host', catalogue.WARN, 1, 'x')['required'] is False
        assert catalogue.make_result('lifecycle', catalogue.FAIL, 1, 'x', required=True)['required'] is True

    def test_rejects_unknown(self):
        with pytest.raises(ValueError):
            catalogue.make_result('nope', catalogue.PASS, 1, 'x')
        with pytest.raises(ValueError):
            catalogue.make_result('bucket', 'ok', 1, 'x')

    def test_validate_result_finds_problems(self):
        problems = catalogue.validate_result({'name': 'bucket', 'status': 'bad', 'duration_ms': -1, 'extra': 1})
        assert 'missing detail' in problems and 'missing remedy' in problems
        assert 'unexpected key extra' in problems and "bad status 'bad'" in problems

    def test_summary_and_failure_message(self):
        results = [
            catalogue.make_result('connectivity', catalogue.PASS, 1, 'ok'),
            catalogue.make_result('checksum_pyarrow', catalogue.FAIL, 1, 'pyarrow fails\nwith 411', 'export X=when_required'),
            catalogue.make_result('presigned', catalogue.FAIL, 1, 'presigned broken', 'informational'),
            catalogue.make_result('parquet', catalogue.WARN, 1, 'works with env', 'export X'),
            catalogue.make_result('iceberg', catalogue.SKIP, 0, 'skipped'),
        ]
        assert report.summarize(results) == {'pass': 1, 'fail': 2, 'warn': 1, 'skip': 1}
        msg = report.failure_message('http://127.0.0.1:7480', results)
        assert '\n' not in msg
        assert '1 required check(s) failed' in msg
        assert 'checksum_pyarrow: pyarrow fails with 411 -> remedy: export X=when_required' in msg
        assert 'presigned' not in msg  # informational failures do not make the endpoint incompatible
        assert report.failure_message('x', results[:1] + results[2:]) is None

    def test_module_documents_the_same_choices(self):
        from ansible_collections.dataplatform.lakehouse.plugins.modules import ceph_s3_validate as module
        doc = yaml.safe_load(module.DOCUMENTATION)
        assert doc['options']['checks']['choices'] == list(catalogue.CHECK_CHOICES)
        assert doc['options']['skip_checks']['choices'] == list(catalogue.CHECK_CHOICES)
        spec = merge_specs(module.argument_spec(), module.connections())
        assert spec['secret_key']['no_log'] is True
        assert spec['access_key']['no_log'] is False
        for name, sub in doc['options']['baseline']['suboptions'].items():
            assert sub['default'] == baseline.BASELINE_DEFAULTS[name]


# ------------------------------------------------------------------------------------------------ check selection
def _names(plan):
    return [name for name, _reason, _implied in plan]


class TestPlanChecks:
    def test_all_by_default(self):
        plan = catalogue.plan_checks(None, None, check_mode=False)
        assert _names(plan) == [n for n in catalogue.CHECK_NAMES if n not in catalogue.OPTIONAL_CHECKS]
        assert all(reason is None for _n, reason, _i in plan)

    def test_sts_is_optional(self):
        assert catalogue.OPTIONAL_CHECKS == ('sts',)
        for group in ('all', 'compatibility', 'required', 'readonly'):
            assert 'sts' not in _names(catalogue.plan_checks([group])), group
        # a role given: it runs (after its prerequisites), whatever the selection, unless skipped
        assert _names(catalogue.plan_checks(['readonly'], sts_role=True)) == [
            'connectivity', 'signature_v4', 'bucket', 'virtual_host', 'sts']
        assert 'sts' in _names(catalogue.plan_checks(['all'], sts_role=True))
        assert 'sts' not in _names(catalogue.plan_checks(['all'], ['sts'], sts_role=True))
        assert _names(catalogue.plan_checks(['sts'])) == ['connectivity', 'signature_v4', 'bucket', 'sts']
        reasons = dict((n, r) for n, r, _i in catalogue.plan_checks(['sts'], check_mode=True))
        assert reasons['sts'].startswith('check mode')

    def test_checksum_checks_run_before_the_checks_that_use_their_finding(self):
        order = list(catalogue.CHECK_NAMES)
        for later in ('object_crud', 'multipart', 'parquet', 'iceberg', 'performance'):
            assert order.index('checksum_boto3') < order.index(later)
            assert order.index('checksum_pyarrow') < order.index(later)

    def test_prerequisites_are_added(self):
        plan = catalogue.plan_checks(['parquet'])
        assert _names(plan) == ['connectivity', 'signature_v4', 'bucket', 'parquet']
        implied = dict((n, i) for n, _r, i in plan)
        assert implied == {'connectivity': True, 'signature_v4': True, 'bucket': True, 'parquet': False}

    def test_skip_checks_cannot_remove_prerequisites(self):
        plan = catalogue.plan_checks(['all'], ['signature_v4', 'performance', 'presigned'])
        names = _names(plan)
        assert 'signature_v4' in names
        assert 'performance' not in names and 'presigned' not in names

    def test_groups(self):
        assert 'performance' not in _names(catalogue.plan_checks(['compatibility']))
        required = _names(catalogue.plan_checks(['required']))
        assert 'presigned' not in required and 'virtual_host' not in required and 'iceberg' in required
        readonly = _names(catalogue.plan_checks(['readonly']))
        assert readonly == ['connectivity', 'signature_v4', 'bucket', 'virtual_host']
        # 'iceberg' is a check, not a group
        assert _names(catalogue.plan_checks(['iceberg'])) == ['connectivity', 'signature_v4', 'bucket', 'iceberg']

    def test_check_mode_skips_writers(self):
        plan = catalogue.plan_checks(['all'], check_mode=True)
        reasons = dict((n, r) for n, r, _i in plan)
        for name in ('connectivity', 'signature_v4', 'bucket', 'virtual_host', 'lifecycle'):
            assert reasons[name] is None, name
        for name in ('object_crud', 'checksum_pyarrow', 'parquet', 'iceberg', 'performance', 'bucket_create_delete'):
            assert reasons[name].startswith('check mode'), name

    def test_bucket_create_delete_runs_when_selected(self):
        # The probe creates and deletes only its own scratch bucket; the module never creates O(bucket).
        reasons = dict((n, r) for n, r, _i in catalogue.plan_checks(['bucket_create_delete']))
        assert reasons['bucket_create_delete'] is None

    def test_unknown_check(self):
        with pytest.raises(ValueError):
            catalogue.plan_checks(['nope'])

    def test_every_prerequisite_precedes_its_check(self):
        order = list(catalogue.CHECK_NAMES)
        for name, spec in catalogue.CHECKS:
            for need in spec['needs']:
                assert order.index(need) < order.index(name)


# --------------------------------------------------------------------------------------------------- error mapping
URL = 'https://127.0.0.1:7443'


class TestConnectErrors:
    def test_refused(self):
        detail, remedy = diagnose.describe_connect_error(ConnectionRefusedError(111, 'Connection refused'), URL)
        assert detail == 'could not connect to %s (connection refused)' % URL
        assert 'running' in remedy

    def test_certificate(self):
        exc = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: '
                                              'self-signed certificate (_ssl.c:1006)')
        detail, remedy = diagnose.describe_connect_error(exc, URL)
        assert 'could not be verified' in detail
        assert 'ca_bundle' in remedy and 'validate_certs' in remedy

    def test_not_tls(self):
        exc = ssl.SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)')
        detail, remedy = diagnose.describe_connect_error(exc, URL)
        assert 'does not speak TLS' in detail and 'http://' in remedy

    def test_tls_expected(self):
        exc = http_client.RemoteDisconnected('Remote end closed connection without response')
        detail, remedy = diagnose.describe_connect_error(exc, 'http://127.0.0.1:7443')
        assert 'without an HTTP answer' in detail and 'https://' in remedy

    def test_dns_and_timeout(self):
        detail, _remedy = diagnose.describe_connect_error(socket.gaierror(-2, 'Name or service not known'), URL)
        assert 'could not resolve' in detail
        detail, remedy = diagnose.describe_connect_error(socket.timeout('timed out'), URL, timeout=5)
        assert 'within 5s' in detail and 'connect_timeout' in remedy

    def test_urlerror_unwrapped(self):
        detail, _remedy = diagnose.describe_connect_error(URLError(ConnectionRefusedError(111, 'refused')), URL)
        assert 'connection refused' in detail

    def test_one_line(self):
        detail, remedy = diagnose.describe_connect_error(OSError('a\nb'), URL)
        assert '\n' not in detail and '\n' not in remedy


def _client_error(code, status, message='msg'):
    return botocore_exceptions.ClientError(
        {'Error': {'Code': code, 'Message': message}, 'ResponseMetadata': {'HTTPStatusCode': status}}, 'PutObject')


class TestS3Errors:
    @pytest.mark.parametrize('code,status,expect_detail,expect_remedy', [
        ('SignatureDoesNotMatch', 403, 'secret key is wrong', 'fix secret_key'),
        ('InvalidAccessKeyId', 403, 'access key is not known', 'fix access_key'),
        ('NoSuchBucket', 404, 'bucket does not exist', 'dataplatform.lakehouse.s3_bucket'),
        ('MissingContentLength', 411, 'aws-chunked', 'when_required'),
        ('RequestTimeTooSkewed', 403, 'RequestTimeTooSkewed', 'clocks'),
        ('SomethingElse', 500, 'SomethingElse', 'gateway log'),
    ])
    def test_client_errors(self, code, status, expect_detail, expect_remedy):
        outcome = diagnose.s3_error_outcome(_client_error(code, status), 'http://127.0.0.1:7480', 'bucket check')
        assert outcome.status == catalogue.FAIL
        assert expect_detail in outcome.detail
        assert expect_remedy in outcome.remedy
        assert '\n' not in outcome.detail
        assert outcome.data == {'error_code': code}

    def test_connection_errors(self):
        exc = botocore_exceptions.EndpointConnectionError(endpoint_url='http://127.0.0.1:1/')
        outcome = diagnose.s3_error_outcome(exc, 'http://127.0.0.1:1', 'signature_v4 check')
        assert 'could not connect' in outcome.detail and 'running' in outcome.remedy
        exc = botocore_exceptions.SSLError(endpoint_url='https://x/', error='certificate verify failed')
        outcome = diagnose.s3_error_outcome(exc, 'https://x', 'signature_v4 check')
        assert 'ca_bundle' in outcome.detail or 'ca_bundle' in outcome.remedy

    def test_error_code(self):
        assert s3_errors.error_code(_client_error('NoSuchKey', 404)) == 'NoSuchKey'
        assert s3_errors.error_code(ValueError('x')) is None


class TestIdentifyServer:
    def test_rgw_by_request_id(self):
        info = diagnose.identify_server({'x-amz-request-id': 'tx00000a8f3e1b2c4d5e6f7-0067a1b2c3-1014-default'})
        assert info['product'] == 'ceph-rgw'

    def test_others(self):
        assert diagnose.identify_server({'Server': 'Werkzeug/3.1 Python/3.11'})['product'] == 'moto'
        assert diagnose.identify_server({'server': 'amazon.com', 'x-amzn-RequestId': 'abc'})['product'] == 'moto'
        assert diagnose.identify_server({'Server': 'MinIO'})['product'] == 'minio'
        assert diagnose.identify_server({'Server': 'AmazonS3'})['product'] == 'aws-s3'
        assert diagnose.identify_server({})['product'] == 'unknown'


# ----------------------------------------------------------------------------------------------------- lifecycle
RULES = [
    {'id': 'abort-mpu', 'prefix': '', 'enabled': True, 'expiration_days': None, 'noncurrent_expiration_days': None,
     'abort_incomplete_multipart_days': 1},
    {'id': 'expire-tmp', 'prefix': 'tmp/', 'enabled': True, 'expiration_days': 7,
     'noncurrent_expiration_days': None, 'abort_incomplete_multipart_days': None},
]


class TestLifecycle:
    def test_rule_round_trip(self):
        s3rule = lifecycle.rule_to_s3(RULES[1])
        assert s3rule == {'ID': 'expire-tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled',
                          'Expiration': {'Days': 7}}
        assert lifecycle.rule_from_s3(s3rule) == lifecycle.canonical_rule(RULES[1])

    def test_add_to_empty(self):
        rules, changed, diff = lifecycle.merge_lifecycle_rules([], RULES)
        assert changed and diff['added'] == ['abort-mpu', 'expire-tmp']
        assert [r['ID'] for r in rules] == ['abort-mpu', 'expire-tmp']

    def test_idempotent(self):
        existing = [lifecycle.rule_to_s3(r) for r in RULES]
        # what a gateway returns can carry the legacy Prefix next to Filter
        existing[0] = dict(existing[0], Prefix='')
        rules, changed, diff = lifecycle.merge_lifecycle_rules(existing, RULES)
        assert not changed
        assert diff['unchanged'] == ['abort-mpu', 'expire-tmp']
        assert all(not ('Prefix' in r and 'Filter' in r) for r in rules)

    def test_update_and_keep_foreign_rules(self):
        foreign = {'ID': 'someone-else', 'Filter': {'Prefix': 'logs/'}, 'Status': 'Enabled',
                   'Transitions': [{'Days': 30, 'StorageClass': 'COLD'}]}
        existing = [foreign, dict(lifecycle.rule_to_s3(RULES[1]), Expiration={'Days': 30})]
        rules, changed, diff = lifecycle.merge_lifecycle_rules(existing, RULES)
        assert changed
        assert diff == {'added': ['abort-mpu'], 'updated': ['expire-tmp'], 'unchanged': [], 'kept': ['someone-else'],
                        'removed': []}
        assert rules[0] == foreign
        assert rules[1]['Expiration'] == {'Days': 7}

    def test_unknown_parts_make_a_difference(self):
        existing = [dict(lifecycle.rule_to_s3(RULES[1]), Transitions=[{'Days': 1, 'StorageClass': 'X'}])]
        _rules, changed, diff = lifecycle.merge_lifecycle_rules(existing, RULES[1:])
        assert changed and diff['updated'] == ['expire-tmp']

    def test_purge_removes_foreign_rules(self):
        foreign = {'ID': 'someone-else', 'Filter': {'Prefix': 'logs/'}, 'Status': 'Enabled', 'Expiration': {'Days': 3}}
        existing = [foreign] + [lifecycle.rule_to_s3(r) for r in RULES]
        rules, changed, diff = lifecycle.merge_lifecycle_rules(existing, RULES, purge=True)
        assert changed and diff['removed'] == ['someone-else'] and diff['kept'] == []
        assert [r['ID'] for r in rules] == ['abort-mpu', 'expire-tmp']
        assert lifecycle.diff_text(diff) == 'removed someone-else'
        _rules, changed, _diff = lifecycle.merge_lifecycle_rules(existing[1:], RULES, purge=True)
        assert not changed

    def test_rules_not_as_declared_names_missing_and_different(self):
        on_bucket = [dict(lifecycle.rule_to_s3(RULES[1]), Expiration={'Days': 30})]
        wrong = lifecycle.rules_not_as_declared(on_bucket, RULES)
        assert wrong['abort-mpu'] is None
        assert wrong['expire-tmp']['expiration_days'] == 30
        assert lifecycle.rules_not_as_declared([lifecycle.rule_to_s3(r) for r in RULES], RULES) == {}

    def test_disabled(self):
        rule = dict(RULES[1], enabled=False)
        assert lifecycle.rule_to_s3(rule)['Status'] == 'Disabled'
        _rules, changed, _diff = lifecycle.merge_lifecycle_rules([lifecycle.rule_to_s3(RULES[1])], [rule])
        assert changed


# ---------------------------------------------------------------------------------------- recommendations, env
class TestRecommendation:
    def test_defaults_work(self):
        cfg = report.recommended_config('http://h:7480', 'us-east-1', catalogue.DEFAULTS, catalogue.DEFAULTS)
        assert cfg['environment'] == {}
        assert cfg['request_checksum_calculation'] == 'when_supported'
        assert cfg['measured'] == {'boto3': True, 'pyarrow': True}

    def test_pyarrow_needs_when_required(self):
        cfg = report.recommended_config('http://h:7480', 'us-east-1', catalogue.DEFAULTS, catalogue.WHEN_REQUIRED)
        assert cfg['environment'] == {'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
                                      'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required'}
        assert cfg['request_checksum_calculation'] == 'when_supported'
        assert cfg['pyiceberg_properties']['s3.endpoint'] == 'http://h:7480'

    def test_not_measured_echoes_configuration(self):
        cfg = report.recommended_config('https://h', 'r', None, None, configured='when_required')
        assert cfg['request_checksum_calculation'] == 'when_required'
        assert cfg['measured'] == {'boto3': False, 'pyarrow': False}


class TestWorkerEnvironment:
    BASE = {'PATH': '/usr/bin', 'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
            'AWS_ACCESS_KEY_ID': 'AKIA', 'AWS_PROFILE': 'x', 'HOME': '/root'}

    def test_defaults_remove_every_aws_variable(self):
        env = runner.worker_environment(catalogue.DEFAULTS, self.BASE)
        assert 'AWS_REQUEST_CHECKSUM_CALCULATION' not in env and 'AWS_RESPONSE_CHECKSUM_VALIDATION' not in env
        assert 'AWS_ACCESS_KEY_ID' not in env and 'AWS_PROFILE' not in env
        assert env['AWS_CONFIG_FILE'] == os.devnull and env['AWS_EC2_METADATA_DISABLED'] == 'true'
        assert env['PATH'] == '/usr/bin'

    def test_when_required_sets_both(self):
        env = runner.worker_environment(catalogue.WHEN_REQUIRED, self.BASE)
        assert env['AWS_REQUEST_CHECKSUM_CALCULATION'] == 'when_required'
        assert env['AWS_RESPONSE_CHECKSUM_VALIDATION'] == 'when_required'

    def test_parent_environment_untouched(self, monkeypatch):
        monkeypatch.setenv('AWS_REQUEST_CHECKSUM_CALCULATION', 'when_supported')
        before = dict(os.environ)
        runner.worker_environment(catalogue.WHEN_REQUIRED)
        assert dict(os.environ) == before

    def test_worker_source_compiles(self):
        source = runner.worker_source()
        with open(worker.__file__) as handle:
            assert source == handle.read()
        compile(source, '<worker>', 'exec')

    def test_worker_failure_reasons(self):
        assert 'not importable' in runner.worker_failure({'import_error': 'ModuleNotFoundError', 'python': 'py'})
        assert runner.worker_failure({'worker_error': 'timeout'}) == 'timeout'
        assert runner.worker_failure({'checksum': {}}) is None
        assert runner.ops_failed({'a': {'ok': True}, 'b': {'ok': False, 'error': 'e'}, 'task_ms': 1}) == {'b': 'e'}


# A configuration the worker can take without reaching anything: no task (or an unknown one) sends no request.
# Generated per run: no fixed credential in the repository.
WORKER_ACCESS_KEY = 'TEST' + secrets.token_hex(8).upper()
WORKER_SECRET_KEY = secrets.token_urlsafe(24)
WORKER_CONN = dict(endpoint_url='http://127.0.0.1:9', access_key=WORKER_ACCESS_KEY, secret_key=WORKER_SECRET_KEY,
                   region='us-east-1', connect_timeout=1, read_timeout=1)


class TestWorkerProgram:
    """worker.py is a real program: run as a file, and as runner.run_worker runs it (its source, ``python -c``)."""

    def _config(self, tasks):
        return dict(access_key=WORKER_ACCESS_KEY, secret_key=WORKER_SECRET_KEY, region='us-east-1', scheme='http',
                    endpoint_override='127.0.0.1:9', endpoint_url='http://127.0.0.1:9', ca_bundle=None,
                    connect_timeout=1.0, read_timeout=1.0, bucket='b', prefix='p/', run_id='r', tasks=tasks,
                    label='unit', rows=10)

    def test_importing_it_runs_nothing(self):
        assert callable(worker.main) and set(worker.TASKS) == {'checksum', 'parquet', 'iceberg'}
        assert worker.CHECKSUM_ENV_VARS == catalogue.CHECKSUM_ENV_VARS

    def test_runs_standalone_as_a_file(self):
        pytest.importorskip('pyarrow')
        proc = subprocess.run([sys.executable, worker.__file__], input=json.dumps(self._config(['nothing'])).encode(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, check=False,
                              env=runner.worker_environment(catalogue.WHEN_REQUIRED))
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        assert out['python'] == sys.executable and out['pyarrow']
        assert out['env'] == dict((name, 'when_required') for name in catalogue.CHECKSUM_ENV_VARS)
        assert set(out['nothing']) == {'task_ms'}  # an unknown task does nothing

    def test_run_worker_executes_the_source(self):
        pytest.importorskip('pyarrow')
        out = runner.run_worker(WORKER_CONN, 'b', 'p/', 'r', [], catalogue.DEFAULTS, 'unit', 120)
        assert runner.worker_failure(out) is None, out
        assert out['env'] == dict((name, None) for name in catalogue.CHECKSUM_ENV_VARS)
        assert set(out) == {'python', 'env', 'pyarrow'}

    def test_worker_reports_a_missing_pyarrow(self, tmp_path):
        # An interpreter that cannot import pyarrow: the worker answers import_error instead of failing.
        (tmp_path / 'pyarrow').mkdir()
        (tmp_path / 'pyarrow' / '__init__.py').write_text('raise ImportError("no pyarrow here")\n')
        env = dict(runner.worker_environment(catalogue.DEFAULTS), PYTHONPATH=str(tmp_path))
        proc = subprocess.run([sys.executable, '-c', runner.worker_source()], env=env, check=False, timeout=60,
                              input=json.dumps(self._config(['checksum'])).encode(), stdout=subprocess.PIPE)
        out = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        assert 'no pyarrow here' in out['import_error']
        assert 'not importable' in runner.worker_failure(out)


class TestModuleParams:
    def _params(self, **kw):
        params = dict(bucket='lakehouse', lifecycle_rules=[], baseline=dict(baseline.BASELINE_DEFAULTS))
        params.update(kw)
        return params

    def test_check_params(self):
        from ansible_collections.dataplatform.lakehouse.plugins.modules.ceph_s3_validate import check_params
        assert check_params(self._params()) is None
        assert 'valid S3 bucket name' in check_params(self._params(bucket='Ab'))
        assert 'unique' in check_params(self._params(lifecycle_rules=[{'id': 'a'}, {'id': 'a'}]))
        assert '5 MiB' in check_params(self._params(baseline=dict(baseline.BASELINE_DEFAULTS, part_size=1024)))
        assert 'positive' in check_params(self._params(baseline=dict(baseline.BASELINE_DEFAULTS, iterations=0)))


class TestFailureGrouping:
    PYARROW_411 = ("OSError: When uploading part for key 'k' in bucket 'b': AWS Error UNKNOWN (HTTP status 411) during "
                   "UploadPart operation: Unable to parse ExceptionName: MissingContentLength Message: (Request ID: tx0)")
    BOTO_411 = ('PutObject to https://h failed with 411 MissingContentLength: the endpoint rejects aws-chunked uploads; '
                'set request_checksum_calculation=when_required.')

    def test_short_error(self):
        assert diagnose.short_error(self.PYARROW_411) == 'HTTP 411 MissingContentLength'
        assert diagnose.short_error(self.BOTO_411) == 'HTTP 411 MissingContentLength'
        assert diagnose.short_error('something\nelse') == 'something else'

    def test_grouping(self):
        text = diagnose.group_failures({'write_small': self.PYARROW_411, 'write_large': self.PYARROW_411,
                                        'read_small': 'content differs after read-back'})
        assert text == ('read_small: content differs after read-back; '
                        'write_large, write_small: HTTP 411 MissingContentLength')


def test_payload_sizes():
    for size in (0, 1, 1024, catalogue.MIB, catalogue.MIB + 7, 3 * catalogue.MIB + 5):
        assert len(baseline.payload(size)) == size


def test_lifecycle_rules_always_plan_the_lifecycle_check():
    """Rules are configuration: asking only for the bucket check must still apply them."""
    names = [name for name, _reason, _implied in catalogue.plan_checks(['bucket'], lifecycle_rules=True)]
    assert 'lifecycle' in names
    names = [name for name, _reason, _implied in catalogue.plan_checks(['bucket'], skip_checks=['lifecycle'], lifecycle_rules=True)]
    assert 'lifecycle' in names
    names = [name for name, _reason, _implied in catalogue.plan_checks(['bucket'])]
    assert 'lifecycle' not in names


def test_runner_imports_the_worker_so_that_ansiballz_ships_it():
    """AnsiballZ bundles only the module_utils that are imported: runner.py must import worker.py itself."""
    with open(runner.__file__) as handle:
        source = handle.read()
    assert '\nfrom ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import worker\n' in source


class TestRunValidation:
    """The module's work on LakehouseModule: bad parameters and an incompatible endpoint are S3ValidationErrors."""

    def _params(self, **kw):
        params = dict(bucket='lakehouse', lifecycle_rules=[], baseline=dict(baseline.BASELINE_DEFAULTS),
                      fail_on_incompatible=True, endpoint_url='http://127.0.0.1:9', access_key='a', secret_key='s')
        params.update(kw)
        return params

    def _result(self, failure):
        return dict(changed=False, compatible=failure is None, checks=[], failed_checks=['connectivity'] if failure else [],
                    summary={'pass': 1, 'warn': 0, 'fail': 0, 'skip': 2}, failure_message=failure)

    def test_bad_parameters(self):
        from ansible_collections.dataplatform.lakehouse.plugins.modules import ceph_s3_validate as module
        with pytest.raises(validator.S3ValidationError, match='valid S3 bucket name'):
            module.run_validation(self._params(bucket='Ab'))

    def test_incompatible_endpoint_fails_with_the_whole_result(self, monkeypatch):
        from ansible_collections.dataplatform.lakehouse.plugins.modules import ceph_s3_validate as module
        failure = 'S3 endpoint http://127.0.0.1:9 is not usable for Iceberg: ' + 'x' * 1500
        monkeypatch.setattr(module, 'validate', lambda conn, params, check_mode=False: self._result(failure))
        with pytest.raises(validator.S3ValidationError) as info:
            module.run_validation(self._params())
        assert info.value.message == failure  # not cut at the base's 900 characters
        assert info.value.details['failed_checks'] == ['connectivity'] and 'failure_message' not in info.value.details
        monkeypatch.setattr(module, 'validate', lambda conn, params, check_mode=False: self._result(failure))
        result = module.run_validation(self._params(fail_on_incompatible=False))
        assert 'failure_message' not in result
        monkeypatch.setattr(module, 'validate', lambda conn, params, check_mode=False: self._result(None))
        result = module.run_validation(self._params())
        assert result['msg'] == 'http://127.0.0.1:9: 1 pass, 0 warn, 0 fail, 2 skip; compatible=True'


# ------------------------------------------------------------------------- remedies that follow from observations
class _FakeValidator(validator.Validator):
    """A Validator whose client is a stub (check methods only, nothing sent)."""

    def __init__(self, client):
        validator.Validator.__init__(self, {'endpoint_url': 'http://127.0.0.1:7480'}, dict(bucket='b', baseline={}))
        self._stub = client

    def client(self, mode=None, addressing_style='path'):
        return self._stub


class _Paginator:
    def __init__(self, keys, truncate_at=None):
        self.keys, self.truncate_at = keys, truncate_at

    def paginate(self, Bucket, Prefix, Delimiter=None, PaginationConfig=None):
        size = (PaginationConfig or {}).get('PageSize', 1000)
        keys = [k for k in self.keys if k.startswith(Prefix)]
        if self.truncate_at is not None:
            keys = keys[:self.truncate_at]  # a proxy that drops the continuation token
        for i in range(0, len(keys), size):
            yield {'Contents': [{'Key': k} for k in keys[i:i + size]]}


class _ListingClient:
    def __init__(self, truncate_at=None):
        self.keys = []
        self.truncate_at = truncate_at

    def put_object(self, Bucket, Key, Body):
        self.keys.append(Key)

    def get_paginator(self, _name):
        return _Paginator(sorted(self.keys), self.truncate_at)

    def list_objects_v2(self, Bucket, Prefix, Delimiter=None, MaxKeys=None):
        return {'CommonPrefixes': [{'Prefix': '%sd%d/' % (Prefix, i)} for i in range(5)]}


class TestObservedRemedies:
    def test_listing_stopped_at_1000_keys_names_a_proxy_first(self):
        check = _FakeValidator(_ListingClient(truncate_at=1000))
        with pytest.raises(catalogue.CheckOutcome) as info:
            check.check_list_pagination()
        assert 'stopped after 1000 keys' in info.value.detail
        assert 'proxy' in info.value.remedy and 'bucket index' in info.value.remedy
        assert info.value.remedy.index('proxy') < info.value.remedy.index('bucket index')

    def test_listing_remedy_cases(self):
        observed, remedy = diagnose.listing_remedy(1250, 1000, 1)
        assert 'stopped after 1000 keys' in observed and 'proxy' in remedy
        observed, remedy = diagnose.listing_remedy(1250, 1300, 2)
        assert '1300 keys for 1250' in observed and 'continuation token' in remedy
        observed, _remedy = diagnose.listing_remedy(1250, 1200, 2)
        assert '1200 of 1250' in observed

    def test_refused_batch_delete_names_the_error(self):
        class Client:
            def delete_objects(self, Bucket, Delete):
                raise _client_error('MalformedXML', 400, 'The XML you provided was not well-formed')

        check = _FakeValidator(Client())
        check.many_keys = ['k%04d' % i for i in range(1250)]
        with pytest.raises(catalogue.CheckOutcome) as info:
            check.check_delete_batch()
        assert 'HTTP 400 MalformedXML: The XML you provided was not well-formed' in info.value.detail
        assert 'rgw_delete_multi_obj_max_num' in info.value.remedy and 'gateway log' not in info.value.remedy

    def test_per_key_delete_errors_name_the_code(self):
        class Client:
            def delete_objects(self, Bucket, Delete):
                keys = [o['Key'] for o in Delete['Objects']]
                return {'Deleted': [{'Key': k} for k in keys[1:]],
                        'Errors': [{'Key': keys[0], 'Code': 'AccessDenied', 'Message': 'Access Denied'}]}

        check = _FakeValidator(Client())
        check.many_keys = ['k%04d' % i for i in range(1250)]
        with pytest.raises(catalogue.CheckOutcome) as info:
            check.check_delete_batch()
        assert 'AccessDenied Access Denied (key k0000)' in info.value.detail
        assert 's3:DeleteObject' in info.value.remedy

    @pytest.mark.parametrize('err,mode,expect,refuse', [
        ('AWS Error NOT_IMPLEMENTED during CreateMultipartUpload operation: HTTP 501', catalogue.DEFAULTS,
         'multipart', 'AWS_REQUEST_CHECKSUM_CALCULATION'),
        ('HTTP 501 NotImplemented', catalogue.WHEN_REQUIRED, '501', 'AWS_REQUEST_CHECKSUM_CALCULATION'),
        ('AWS Error UNKNOWN (HTTP status 411) during PutObject operation: MissingContentLength',
         catalogue.DEFAULTS, 'AWS_REQUEST_CHECKSUM_CALCULATION', 'multipart'),
        ('AWS Error ACCESS_DENIED during PutObject operation: HTTP 403', catalogue.DEFAULTS, 'secret_key',
         'AWS_REQUEST_CHECKSUM_CALCULATION'),
    ])
    def test_worker_remedy_follows_the_error(self, err, mode, expect, refuse):
        remedy = diagnose.worker_remedy(err, mode, catalogue.REMEDY_CHECKSUM_ENV)
        assert expect in remedy and refuse not in remedy

    def test_multipart_501_from_boto3(self):
        outcome = diagnose.s3_error_outcome(_client_error('NotImplemented', 501), 'http://x', 'multipart check')
        assert 'multipart' in outcome.remedy and 'gateway log' not in outcome.remedy

    def test_batch_delete_remedies(self):
        assert 'DeleteObject' in diagnose.delete_batch_remedy(250, ['AccessDenied'])
        assert 'SlowDown' in diagnose.delete_batch_remedy(250, ['SlowDown'])
        assert 'InternalError' in diagnose.delete_batch_remedy(250, ['InternalError'])


class TestLifecycleRulesValidatedFirst:
    def _params(self, rules):
        return dict(bucket='lakehouse-x', lifecycle_rules=rules, baseline={}, fail_on_incompatible=True,
                    endpoint_url='http://127.0.0.1:9', access_key='a', secret_key='s')

    @pytest.mark.parametrize('rule,expect', [
        ({'id': 'expire', 'expiration_days': -3}, "lifecycle_rules[0] (id 'expire').expiration_days: -3"),
        ({'id': 'abort', 'abort_incomplete_multipart_days': 0}, 'abort_incomplete_multipart_days: 0'),
        ({'id': '', 'expiration_days': 3}, 'lifecycle_rules[0].id'),
        ({'id': 'x' * 256, 'expiration_days': 3}, 'at most 255'),
        ({'id': 'none'}, 'needs at least one of'),
    ])
    def test_invalid_rule_is_refused_before_anything_is_sent(self, monkeypatch, rule, expect):
        from ansible_collections.dataplatform.lakehouse.plugins.modules import ceph_s3_validate as module

        def must_not_run(*_a, **_kw):
            raise AssertionError('the endpoint was contacted')
        monkeypatch.setattr(module, 'validate', must_not_run)
        with pytest.raises(validator.S3ValidationError) as info:
            module.run_validation(self._params([rule]))
        assert expect in info.value.message
        assert '\n' not in info.value.message

    @pytest.mark.parametrize('rule,expect', [
        ({'id': 'expire', 'expiration_days': -3}, "lifecycle_rules[0] (id 'expire').expiration_days: -3"),
        ({'id': 'none'}, 'needs at least one of'),
    ])
    def test_s3_bucket_creates_nothing_for_an_invalid_rule(self, monkeypatch, rule, expect):
        def must_not_run(*_a, **_kw):
            raise AssertionError('the endpoint was contacted')
        monkeypatch.setattr(buckets, 's3_client', must_not_run)
        params = dict(self._params([rule]), name='lakehouse-x', state='present', purge_lifecycle_rules=False)
        with pytest.raises(buckets.S3BucketError) as info:
            buckets.converge_bucket(params)
        assert expect in info.value.message and 'nothing was created or changed' in info.value.message
        assert '\n' not in info.value.message

    @pytest.mark.parametrize('name', ['ab', 'Upper-Case', '-leading', 'x' * 64, 'with space'])
    def test_s3_bucket_refuses_invalid_names_before_contacting(self, monkeypatch, name):
        monkeypatch.setattr(buckets, 's3_client', lambda *_a, **_kw: pytest.fail('the endpoint was contacted'))
        params = dict(self._params([]), name=name, state='present', purge_lifecycle_rules=False)
        with pytest.raises(buckets.S3BucketError) as info:
            buckets.converge_bucket(params)
        assert 'not a valid S3 bucket name' in info.value.message

    def test_duplicate_ids_and_valid_rules(self):
        assert lifecycle.rule_problems(RULES) == []
        problems = lifecycle.rule_problems([RULES[1], RULES[1]])
        assert problems == ["lifecycle_rules[1] (id 'expire-tmp').id: rule ids must be unique"]


class TestSignatureCheck:
    def test_signature_check_refused_with_access_denied_names_the_secret_key_first(self):
        """RGW with STS enabled answers a wrong secret key with AccessDenied (16.2.15): the remedy starts there."""
        class Client:
            def list_buckets(self):
                raise _client_error('AccessDenied', 403, 'Access Denied')

        with pytest.raises(catalogue.CheckOutcome) as info:
            _FakeValidator(Client()).check_signature_v4()
        assert info.value.detail == 'SigV4 ListBuckets refused: AccessDenied (HTTP 403)'
        assert info.value.remedy.startswith('fix secret_key first') and 'STS' in info.value.remedy

    def test_signature_check_leaves_other_errors_to_the_common_mapping(self):
        class Client:
            def list_buckets(self):
                raise _client_error('SignatureDoesNotMatch', 403)

        with pytest.raises(botocore_exceptions.ClientError):
            _FakeValidator(Client()).check_signature_v4()
