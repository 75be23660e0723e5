# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure logic of ceph_s3_validate: statistics, result schema, error mapping, check selection,
lifecycle merging, recommended settings and the child-process environment. The checks themselves are exercised
against real endpoints (tests/integration/targets/ceph_s3_validate)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import socket
import ssl
from http import client as http_client
from urllib.error import URLError

import pytest
import yaml

from ansible_collections.dataplatform.lakehouse.plugins.module_utils import s3_validate as v

botocore_exceptions = pytest.importorskip('botocore.exceptions')


# ---------------------------------------------------------------------------------------------------- statistics
class TestPercentile:
    def test_one_to_hundred(self):
        data = list(range(1, 101))
        assert v.percentile(data, 50) == pytest.approx(50.5)
        assert v.percentile(data, 95) == pytest.approx(95.05)
        assert v.percentile(data, 99) == pytest.approx(99.01)

    def test_order_does_not_matter(self):
        data = list(range(1, 101))
        random.Random(7).shuffle(data)
        assert v.percentile(data, 95) == pytest.approx(95.05)

    def test_edges(self):
        assert v.percentile([], 50) is None
        assert v.percentile([3.5], 99) == 3.5
        assert v.percentile([1, 2, 3], 0) == 1
        assert v.percentile([1, 2, 3], 100) == 3
        assert v.percentile([10, 20], 50) == pytest.approx(15)

    def test_matches_numpy_linear(self):
        numpy = pytest.importorskip('numpy')
        rng = random.Random(42)
        for n in (2, 5, 17, 50, 101, 1000):
            data = [rng.expovariate(1 / 8.0) for _i in range(n)]
            for pct in (50, 95, 99):
                assert v.percentile(data, pct) == pytest.approx(float(numpy.percentile(data, pct)))

    def test_latency_stats_in_ms(self):
        stats = v.latency_stats([i / 1000.0 for i in range(1, 101)])  # 1..100 ms
        assert stats['count'] == 100
        assert stats['min_ms'] == pytest.approx(1)
        assert stats['max_ms'] == pytest.approx(100)
        assert stats['mean_ms'] == pytest.approx(50.5)
        assert stats['p50_ms'] == pytest.approx(50.5)
        assert stats['p95_ms'] == pytest.approx(95.05)
        assert stats['p99_ms'] == pytest.approx(99.01)

    def test_latency_stats_empty(self):
        stats = v.latency_stats([])
        assert stats['count'] == 0 and stats['p99_ms'] is None

    def test_throughput(self):
        assert v.throughput_mb_s(64 * 10 ** 6, 0.5) == 128.0
        assert v.throughput_mb_s(10, 0) is None


# -------------------------------------------------------------------------------------------------- result schema
class TestResultSchema:
    def test_make_result_is_valid(self):
        jsonschema = pytest.importorskip('jsonschema')
        result = v.make_result('multipart', v.PASS, 12.3456, 'ok', None)
        jsonschema.validate(result, v.CHECK_RESULT_SCHEMA)
        assert set(result) == {'name', 'status', 'duration_ms', 'detail', 'remedy', 'required', 'data'}
        assert result['duration_ms'] == 12.3
        assert result['required'] is True
        assert result['remedy'] is None
        assert v.validate_result(result) == []

    def test_every_check_and_status(self):
        jsonschema = pytest.importorskip('jsonschema')
        for name in v.CHECK_NAMES:
            for status in v.STATUSES:
                jsonschema.validate(v.make_result(name, status, 0, 'd', 'r' if status != v.PASS else None),
                                    v.CHECK_RESULT_SCHEMA)

    def test_detail_is_one_line(self):
        result = v.make_result('parquet', v.FAIL, 1, 'line one\n  line two\tend', 'do\nthis')
        assert result['detail'] == 'line one line two end'
        assert result['remedy'] == 'do this'

    def test_negative_duration_clamped(self):
        assert v.make_result('bucket', v.PASS, -3, 'x')['duration_ms'] == 0.0

    def test_informational_checks_are_not_required(self):
        assert v.make_result('presigned', v.FAIL, 1, 'x')['required'] is False
        assert v.make_result('virtual_host', v.WARN, 1, 'x')['required'] is False
        assert v.make_result('lifecycle', v.FAIL, 1, 'x', required=True)['required'] is True

    def test_rejects_unknown(self):
        with pytest.raises(ValueError):
            v.make_result('nope', v.PASS, 1, 'x')
        with pytest.raises(ValueError):
            v.make_result('bucket', 'ok', 1, 'x')

    def test_validate_result_finds_problems(self):
        problems = v.validate_result({'name': 'bucket', 'status': 'bad', 'duration_ms': -1, 'extra': 1})
        assert 'missing detail' in problems and 'missing remedy' in problems
        assert 'unexpected key extra' in problems and "bad status 'bad'" in problems

    def test_summary_and_failure_message(self):
        results = [
            v.make_result('connectivity', v.PASS, 1, 'ok'),
            v.make_result('checksum_pyarrow', v.FAIL, 1, 'pyarrow fails\nwith 411', 'export X=when_required'),
            v.make_result('presigned', v.FAIL, 1, 'presigned broken', 'informational'),
            v.make_result('parquet', v.WARN, 1, 'works with env', 'export X'),
            v.make_result('iceberg', v.SKIP, 0, 'skipped'),
        ]
        assert v.summarize(results) == {'pass': 1, 'fail': 2, 'warn': 1, 'skip': 1}
        msg = v.failure_message('http://127.0.0.1:7480', results)
        assert '\n' not in msg
        assert '1 required check(s) failed' in msg
        assert 'checksum_pyarrow: pyarrow fails with 411 -> remedy: export X=when_required' in msg
        assert 'presigned' not in msg  # informational failures do not make the endpoint incompatible
        assert v.failure_message('x', results[:1] + results[2:]) is None

    def test_module_documents_the_same_choices(self):
        from ansible_collections.dataplatform.lakehouse.plugins.modules import ceph_s3_validate as module
        doc = yaml.safe_load(module.DOCUMENTATION)
        assert doc['options']['checks']['choices'] == list(v.CHECK_CHOICES)
        assert doc['options']['skip_checks']['choices'] == list(v.CHECK_CHOICES)
        spec = module.argument_spec()
        assert spec['secret_key']['no_log'] is True
        assert spec['access_key']['no_log'] is False
        for name, sub in doc['options']['baseline']['suboptions'].items():
            assert sub['default'] == v.BASELINE_DEFAULTS[name]


# ------------------------------------------------------------------------------------------------ check selection
def _names(plan):
    return [name for name, _reason, _implied in plan]


class TestPlanChecks:
    def test_all_by_default(self):
        plan = v.plan_checks(None, None, check_mode=False, create_bucket=True)
        assert _names(plan) == list(v.CHECK_NAMES)
        assert all(reason is None for _n, reason, _i in plan)

    def test_checksum_checks_run_before_the_checks_that_use_their_finding(self):
        order = list(v.CHECK_NAMES)
        for later in ('object_crud', 'multipart', 'parquet', 'iceberg', 'performance'):
            assert order.index('checksum_boto3') < order.index(later)
            assert order.index('checksum_pyarrow') < order.index(later)

    def test_prerequisites_are_added(self):
        plan = v.plan_checks(['parquet'])
        assert _names(plan) == ['connectivity', 'signature_v4', 'bucket', 'parquet']
        implied = dict((n, i) for n, _r, i in plan)
        assert implied == {'connectivity': True, 'signature_v4': True, 'bucket': True, 'parquet': False}

    def test_skip_checks_cannot_remove_prerequisites(self):
        plan = v.plan_checks(['all'], ['signature_v4', 'performance', 'presigned'], create_bucket=True)
        names = _names(plan)
        assert 'signature_v4' in names
        assert 'performance' not in names and 'presigned' not in names

    def test_groups(self):
        assert 'performance' not in _names(v.plan_checks(['compatibility']))
        required = _names(v.plan_checks(['required']))
        assert 'presigned' not in required and 'virtual_host' not in required and 'iceberg' in required
        readonly = _names(v.plan_checks(['readonly']))
        assert readonly == ['connectivity', 'signature_v4', 'bucket', 'virtual_host']
        # 'iceberg' is a check, not a group
        assert _names(v.plan_checks(['iceberg'])) == ['connectivity', 'signature_v4', 'bucket', 'iceberg']

    def test_check_mode_skips_writers(self):
        plan = v.plan_checks(['all'], check_mode=True, create_bucket=True)
        reasons = dict((n, r) for n, r, _i in plan)
        for name in ('connectivity', 'signature_v4', 'bucket', 'virtual_host', 'lifecycle'):
            assert reasons[name] is None, name
        for name in ('object_crud', 'checksum_pyarrow', 'parquet', 'iceberg', 'performance', 'bucket_create_delete'):
            assert reasons[name].startswith('check mode'), name

    def test_bucket_create_delete_needs_create_bucket(self):
        reasons = dict((n, r) for n, r, _i in v.plan_checks(['bucket_create_delete'], create_bucket=False))
        assert 'create_bucket is false' in reasons['bucket_create_delete']
        reasons = dict((n, r) for n, r, _i in v.plan_checks(['bucket_create_delete'], create_bucket=True))
        assert reasons['bucket_create_delete'] is None

    def test_unknown_check(self):
        with pytest.raises(ValueError):
            v.plan_checks(['nope'])

    def test_every_prerequisite_precedes_its_check(self):
        order = list(v.CHECK_NAMES)
        for name, spec in v.CHECKS:
            for need in spec['needs']:
                assert order.index(need) < order.index(name)


# --------------------------------------------------------------------------------------------------- error mapping
URL = 'https://127.0.0.1:7443'


class TestConnectErrors:
    def test_refused(self):
        detail, remedy = v.describe_connect_error(ConnectionRefusedError(111, 'Connection refused'), URL)
        assert detail == 'could not connect to %s (connection refused)' % URL
        assert 'running' in remedy

    def test_certificate(self):
        exc = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: '
                                              'self-signed certificate (_ssl.c:1006)')
        detail, remedy = v.describe_connect_error(exc, URL)
        assert 'could not be verified' in detail
        assert 'ca_bundle' in remedy and 'validate_certs' in remedy

    def test_not_tls(self):
        exc = ssl.SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)')
        detail, remedy = v.describe_connect_error(exc, URL)
        assert 'does not speak TLS' in detail and 'http://' in remedy

    def test_tls_expected(self):
        exc = http_client.RemoteDisconnected('Remote end closed connection without response')
        detail, remedy = v.describe_connect_error(exc, 'http://127.0.0.1:7443')
        assert 'without an HTTP answer' in detail and 'https://' in remedy

    def test_dns_and_timeout(self):
        detail, _remedy = v.describe_connect_error(socket.gaierror(-2, 'Name or service not known'), URL)
        assert 'could not resolve' in detail
        detail, remedy = v.describe_connect_error(socket.timeout('timed out'), URL, timeout=5)
        assert 'within 5s' in detail and 'connect_timeout' in remedy

    def test_urlerror_unwrapped(self):
        detail, _remedy = v.describe_connect_error(URLError(ConnectionRefusedError(111, 'refused')), URL)
        assert 'connection refused' in detail

    def test_one_line(self):
        detail, remedy = v.describe_connect_error(OSError('a\nb'), URL)
        assert '\n' not in detail and '\n' not in remedy


def _client_error(code, status, message='msg'):
    return botocore_exceptions.ClientError(
        {'Error': {'Code': code, 'Message': message}, 'ResponseMetadata': {'HTTPStatusCode': status}}, 'PutObject')


class TestS3Errors:
    @pytest.mark.parametrize('code,status,expect_detail,expect_remedy', [
        ('SignatureDoesNotMatch', 403, 'secret key is wrong', 'fix secret_key'),
        ('InvalidAccessKeyId', 403, 'access key is not known', 'fix access_key'),
        ('NoSuchBucket', 404, 'bucket does not exist', 'create_bucket=true'),
        ('MissingContentLength', 411, 'aws-chunked', 'when_required'),
        ('RequestTimeTooSkewed', 403, 'RequestTimeTooSkewed', 'clocks'),
        ('SomethingElse', 500, 'SomethingElse', 'gateway log'),
    ])
    def test_client_errors(self, code, status, expect_detail, expect_remedy):
        outcome = v.s3_error_outcome(_client_error(code, status), 'http://127.0.0.1:7480', 'bucket check')
        assert outcome.status == v.FAIL
        assert expect_detail in outcome.detail
        assert expect_remedy in outcome.remedy
        assert '\n' not in outcome.detail
        assert outcome.data == {'error_code': code}

    def test_connection_errors(self):
        exc = botocore_exceptions.EndpointConnectionError(endpoint_url='http://127.0.0.1:1/')
        outcome = v.s3_error_outcome(exc, 'http://127.0.0.1:1', 'signature_v4 check')
        assert 'could not connect' in outcome.detail and 'running' in outcome.remedy
        exc = botocore_exceptions.SSLError(endpoint_url='https://x/', error='certificate verify failed')
        outcome = v.s3_error_outcome(exc, 'https://x', 'signature_v4 check')
        assert 'ca_bundle' in outcome.detail or 'ca_bundle' in outcome.remedy

    def test_error_code(self):
        assert v.error_code(_client_error('NoSuchKey', 404)) == 'NoSuchKey'
        assert v.error_code(ValueError('x')) is None


class TestIdentifyServer:
    def test_rgw_by_request_id(self):
        info = v.identify_server({'x-amz-request-id': 'tx00000a8f3e1b2c4d5e6f7-0067a1b2c3-1014-default'})
        assert info['product'] == 'ceph-rgw'

    def test_others(self):
        assert v.identify_server({'Server': 'Werkzeug/3.1 Python/3.11'})['product'] == 'moto'
        assert v.identify_server({'server': 'amazon.com', 'x-amzn-RequestId': 'abc'})['product'] == 'moto'
        assert v.identify_server({'Server': 'MinIO'})['product'] == 'minio'
        assert v.identify_server({'Server': 'AmazonS3'})['product'] == 'aws-s3'
        assert v.identify_server({})['product'] == 'unknown'


# ----------------------------------------------------------------------------------------------------- lifecycle
RULES = [
    {'id': 'abort-mpu', 'prefix': '', 'enabled': True, 'expiration_days': None, 'noncurrent_expiration_days': None,
     'abort_incomplete_multipart_days': 1},
    {'id': 'expire-tmp', 'prefix': 'tmp/', 'enabled': True, 'expiration_days': 7,
     'noncurrent_expiration_days': None, 'abort_incomplete_multipart_days': None},
]


class TestLifecycle:
    def test_rule_round_trip(self):
        s3rule = v.rule_to_s3(RULES[1])
        assert s3rule == {'ID': 'expire-tmp', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled',
                          'Expiration': {'Days': 7}}
        assert v.rule_from_s3(s3rule) == v.canonical_rule(RULES[1])

    def test_add_to_empty(self):
        rules, changed, diff = v.merge_lifecycle_rules([], RULES)
        assert changed and diff['added'] == ['abort-mpu', 'expire-tmp']
        assert [r['ID'] for r in rules] == ['abort-mpu', 'expire-tmp']

    def test_idempotent(self):
        existing = [v.rule_to_s3(r) for r in RULES]
        # what a gateway returns can carry the legacy Prefix next to Filter
        existing[0] = dict(existing[0], Prefix='')
        rules, changed, diff = v.merge_lifecycle_rules(existing, RULES)
        assert not changed
        assert diff['unchanged'] == ['abort-mpu', 'expire-tmp']
        assert all(not ('Prefix' in r and 'Filter' in r) for r in rules)

    def test_update_and_keep_foreign_rules(self):
        foreign = {'ID': 'someone-else', 'Filter': {'Prefix': 'logs/'}, 'Status': 'Enabled',
                   'Transitions': [{'Days': 30, 'StorageClass': 'COLD'}]}
        existing = [foreign, dict(v.rule_to_s3(RULES[1]), Expiration={'Days': 30})]
        rules, changed, diff = v.merge_lifecycle_rules(existing, RULES)
        assert changed
        assert diff == {'added': ['abort-mpu'], 'updated': ['expire-tmp'], 'unchanged': [], 'kept': ['someone-else']}
        assert rules[0] == foreign
        assert rules[1]['Expiration'] == {'Days': 7}

    def test_unknown_parts_make_a_difference(self):
        existing = [dict(v.rule_to_s3(RULES[1]), Transitions=[{'Days': 1, 'StorageClass': 'X'}])]
        _rules, changed, diff = v.merge_lifecycle_rules(existing, RULES[1:])
        assert changed and diff['updated'] == ['expire-tmp']

    def test_disabled(self):
        rule = dict(RULES[1], enabled=False)
        assert v.rule_to_s3(rule)['Status'] == 'Disabled'
        _rules, changed, _diff = v.merge_lifecycle_rules([v.rule_to_s3(RULES[1])], [rule])
        assert changed


# ---------------------------------------------------------------------------------------- recommendations, env
class TestRecommendation:
    def test_defaults_work(self):
        cfg = v.recommended_config('http://h:7480', 'us-east-1', v.DEFAULTS, v.DEFAULTS)
        assert cfg['environment'] == {}
        assert cfg['request_checksum_calculation'] == 'when_supported'
        assert cfg['measured'] == {'boto3': True, 'pyarrow': True}

    def test_pyarrow_needs_when_required(self):
        cfg = v.recommended_config('http://h:7480', 'us-east-1', v.DEFAULTS, v.WHEN_REQUIRED)
        assert cfg['environment'] == {'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
                                      'AWS_RESPONSE_CHECKSUM_VALIDATION': 'when_required'}
        assert cfg['request_checksum_calculation'] == 'when_supported'
        assert cfg['pyiceberg_properties']['s3.endpoint'] == 'http://h:7480'

    def test_not_measured_echoes_configuration(self):
        cfg = v.recommended_config('https://h', 'r', None, None, configured='when_required')
        assert cfg['request_checksum_calculation'] == 'when_required'
        assert cfg['measured'] == {'boto3': False, 'pyarrow': False}


class TestWorkerEnvironment:
    BASE = {'PATH': '/usr/bin', 'AWS_REQUEST_CHECKSUM_CALCULATION': 'when_required',
            'AWS_ACCESS_KEY_ID': 'AKIA', 'AWS_PROFILE': 'x', 'HOME': '/root'}

    def test_defaults_remove_every_aws_variable(self):
        env = v.worker_environment(v.DEFAULTS, self.BASE)
        assert 'AWS_REQUEST_CHECKSUM_CALCULATION' not in env and 'AWS_RESPONSE_CHECKSUM_VALIDATION' not in env
        assert 'AWS_ACCESS_KEY_ID' not in env and 'AWS_PROFILE' not in env
        assert env['AWS_CONFIG_FILE'] == os.devnull and env['AWS_EC2_METADATA_DISABLED'] == 'true'
        assert env['PATH'] == '/usr/bin'

    def test_when_required_sets_both(self):
        env = v.worker_environment(v.WHEN_REQUIRED, self.BASE)
        assert env['AWS_REQUEST_CHECKSUM_CALCULATION'] == 'when_required'
        assert env['AWS_RESPONSE_CHECKSUM_VALIDATION'] == 'when_required'

    def test_parent_environment_untouched(self, monkeypatch):
        monkeypatch.setenv('AWS_REQUEST_CHECKSUM_CALCULATION', 'when_supported')
        before = dict(os.environ)
        v.worker_environment(v.WHEN_REQUIRED)
        assert dict(os.environ) == before

    def test_worker_source_compiles(self):
        compile(v.WORKER_SOURCE, '<worker>', 'exec')

    def test_worker_failure_reasons(self):
        assert 'not importable' in v._worker_failure({'import_error': 'ModuleNotFoundError', 'python': 'py'})
        assert v._worker_failure({'worker_error': 'timeout'}) == 'timeout'
        assert v._worker_failure({'checksum': {}}) is None
        assert v._ops_failed({'a': {'ok': True}, 'b': {'ok': False, 'error': 'e'}, 'task_ms': 1}) == {'b': 'e'}


class TestModuleParams:
    def _params(self, **kw):
        params = dict(bucket='lakehouse', lifecycle_rules=[], baseline=dict(v.BASELINE_DEFAULTS))
        params.update(kw)
        return params

    def test_check_params(self):
        from ansible_collections.dataplatform.lakehouse.plugins.modules.ceph_s3_validate import check_params
        assert check_params(self._params()) is None
        assert 'valid S3 bucket name' in check_params(self._params(bucket='Ab'))
        assert 'unique' in check_params(self._params(lifecycle_rules=[{'id': 'a'}, {'id': 'a'}]))
        assert '5 MiB' in check_params(self._params(baseline=dict(v.BASELINE_DEFAULTS, part_size=1024)))
        assert 'positive' in check_params(self._params(baseline=dict(v.BASELINE_DEFAULTS, iterations=0)))


class TestFailureGrouping:
    PYARROW_411 = ("OSError: When uploading part for key 'k' in bucket 'b': AWS Error UNKNOWN (HTTP status 411) during "
                   "UploadPart operation: Unable to parse ExceptionName: MissingContentLength Message: (Request ID: tx0)")
    BOTO_411 = ('PutObject to https://h failed with 411 MissingContentLength: the endpoint rejects aws-chunked uploads; '
                'set request_checksum_calculation=when_required.')

    def test_short_error(self):
        assert v._short_error(self.PYARROW_411) == 'HTTP 411 MissingContentLength'
        assert v._short_error(self.BOTO_411) == 'HTTP 411 MissingContentLength'
        assert v._short_error('something\nelse') == 'something else'

    def test_grouping(self):
        text = v._group_failures({'write_small': self.PYARROW_411, 'write_large': self.PYARROW_411,
                                  'read_small': 'content differs after read-back'})
        assert text == ('read_small: content differs after read-back; '
                        'write_large, write_small: HTTP 411 MissingContentLength')


def test_payload_sizes():
    for size in (0, 1, 1024, v.MIB, v.MIB + 7, 3 * v.MIB + 5):
        assert len(v.payload(size)) == size


def test_lifecycle_rules_always_plan_the_lifecycle_check():
    """Rules are configuration: asking only for the bucket check must still apply them."""
    names = [name for name, _reason, _implied in v.plan_checks(['bucket'], lifecycle_rules=True)]
    assert 'lifecycle' in names
    names = [name for name, _reason, _implied in v.plan_checks(['bucket'], skip_checks=['lifecycle'], lifecycle_rules=True)]
    assert 'lifecycle' in names
    names = [name for name, _reason, _implied in v.plan_checks(['bucket'])]
    assert 'lifecycle' not in names
