# -*- coding: utf-8 -*-
"""The collection-wide base: one error class, one duration parser, the S3 error predicates and batch deletes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import secrets

import pytest
from botocore.exceptions import ClientError

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import parse_duration
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError, one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import merge_specs
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.platform_facts import PlatformFactsError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3 import errors as s3_errors
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.objects import delete_objects

# Generated per run: no fixed credential in the repository.
GENERATED_SECRET = 'test-' + secrets.token_hex(12)


def client_error(code, status, operation='HeadBucket'):
    return ClientError({'Error': {'Code': code, 'Message': 'msg'}, 'ResponseMetadata': {'HTTPStatusCode': status}},
                       operation)


def test_one_line_squashes_and_cuts():
    assert one_line('a\n  b\tc') == 'a b c'
    assert one_line('x' * 50, limit=10) == 'xxxxxxx...'


def test_lakehouse_error_is_one_line_with_details():
    err = LakehouseError('first line\nsecond line..', refused=['drop a'])
    assert str(err) == 'first line second line.'
    assert err.details == {'refused': ['drop a']}


@pytest.mark.parametrize('value, seconds', [('3d', 259200.0), ('36h', 129600.0), ('90m', 5400.0), ('250ms', 0.25),
                                            (30, 30.0), ('45', 45.0)])
def test_parse_duration(value, seconds):
    assert parse_duration(value, 'opt') == seconds


@pytest.mark.parametrize('value', [True, 'soon', '', None, '-3d'])
def test_parse_duration_refuses(value):
    with pytest.raises(LakehouseError, match='^opt: .* is not a duration'):
        parse_duration(value, 'opt')


def test_parse_duration_positive():
    with pytest.raises(LakehouseError, match='must be positive'):
        parse_duration(0, 'backup_max_age', positive=True)


def test_merge_specs_own_options_win():
    spec = merge_specs({'region': {'default': 'eu'}}, [{'region': {'default': 'us'}, 'endpoint_url': {}}])
    assert spec == {'region': {'default': 'eu'}, 'endpoint_url': {}}


def test_s3_not_found_predicates():
    assert s3_errors.is_not_found(client_error('404', 404))
    assert s3_errors.is_not_found(client_error('NoSuchKey', 404, 'GetObject'))
    assert not s3_errors.is_not_found(client_error('AccessDenied', 403))
    assert s3_errors.is_bucket_missing(client_error('NoSuchBucket', 404, 'ListObjectsV2'))
    assert not s3_errors.is_bucket_missing(client_error('AccessDenied', 403))


def test_s3_forbidden_head_names_the_cause():
    msg = s3_errors.describe_s3_error(client_error('403', 403), 'http://127.0.0.1:7480', 'Backup')
    assert '403 403' not in msg
    assert msg.startswith('Backup to http://127.0.0.1:7480 failed with 403: access denied')
    assert 'secret key' in msg


class _BatchClient(object):
    """Answers DeleteObjects like RGW: refuses one key, and a whole request when asked to."""

    def __init__(self, refuse_key=None, fail_batch=None):
        self.calls = []
        self.refuse_key = refuse_key
        self.fail_batch = fail_batch

    def delete_objects(self, Bucket, Delete):
        self.calls.append([o['Key'] for o in Delete['Objects']])
        if self.fail_batch is not None and len(self.calls) - 1 == self.fail_batch:
            raise client_error('SlowDown', 503, 'DeleteObjects')
        errors = [{'Key': k, 'Code': 'AccessDenied', 'Message': 'no'} for k in self.calls[-1] if k == self.refuse_key]
        return {'Errors': errors}


def test_delete_objects_batches_of_1000_and_reports_refusals():
    keys = ['k%04d' % i for i in range(2500)]
    client = _BatchClient(refuse_key='k0007', fail_batch=2)
    deleted, errors = delete_objects(client, 'b', keys)
    assert [len(c) for c in client.calls] == [1000, 1000, 500]
    assert errors['k0007'] == 'AccessDenied no'
    assert len(errors) == 1 + 500 and all(k in errors for k in keys[2000:])
    assert len(deleted) == 2500 - 501


# backup_max_age of platform_info: a positive duration, whole seconds, the option named in a one-line error
@pytest.mark.parametrize('value, seconds', [
    ('2d', 172800), ('36h', 129600), ('90m', 5400), ('45s', 45), ('1w', 604800), ('1.5d', 129600), (3600, 3600),
    ('7200', 7200), (' 2D ', 172800),
])
def test_parse_duration_backup_max_age(value, seconds):
    assert int(round(parse_duration(value, 'backup_max_age', positive=True))) == seconds


@pytest.mark.parametrize('value', ['', 'two days', '2y', '-1d', 0, True, None])
def test_parse_duration_backup_max_age_refuses(value):
    with pytest.raises(PlatformFactsError) as err:
        parse_duration(value, 'backup_max_age', positive=True, error=PlatformFactsError)
    assert 'backup_max_age' in str(err.value)
    assert '\n' not in str(err.value)


# ------------------------------------------------------------------------------------------------ LakehouseModule
def run_module(monkeypatch, capsys, args, function, requirements=(), **kwargs):
    """Run a LakehouseModule the way Ansible does (arguments on stdin) and return its JSON result."""
    import json

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule

    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    with pytest.raises(SystemExit):
        module = LakehouseModule(argument_spec={'name': {'type': 'str'}}, connections=[{'secret': {'no_log': True}}],
                                 requirements=requirements, supports_check_mode=True)
        module.run(function, module.params, **kwargs)
    return json.loads(capsys.readouterr().out)


def test_module_run_success_has_elapsed_and_no_diff_outside_diff_mode(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, {'name': 't'}, lambda p: {'changed': True, 'diff': {'a': 1}, 'n': p['name']})
    assert result['changed'] is True and result['n'] == 't'
    assert 'diff' not in result
    assert result['elapsed_seconds'] >= 0


def test_module_run_maps_lakehouse_error_to_one_line_with_details(monkeypatch, capsys):
    def refuse(params):
        raise LakehouseError('drop column x refused;\nlist it in allow_breaking_changes', refused=['drop x'])
    result = run_module(monkeypatch, capsys, {'name': 't'}, refuse)
    assert result['failed'] is True
    assert result['msg'] == 'drop column x refused; list it in allow_breaking_changes'
    assert result['refused'] == ['drop x']
    assert 'exception' not in result


def test_module_run_describes_unexpected_errors_in_one_line(monkeypatch, capsys):
    def crash(params):
        raise KeyError('boom')
    result = run_module(monkeypatch, capsys, {'name': 't'}, crash, describe=lambda exc: 'reading t failed:\n%r' % exc)
    assert result['msg'] == "reading t failed: KeyError('boom')"
    assert result['failed'] is True and 'Traceback' not in result['msg']


def test_module_missing_library_fails_before_the_work(monkeypatch, capsys):
    called = []
    result = run_module(monkeypatch, capsys, {'secret': GENERATED_SECRET}, called.append,
                        requirements=[('pyiceberg', 'Traceback: No module named pyiceberg')])
    assert result['failed'] is True and 'pyiceberg' in result['msg']
    assert called == []
    assert GENERATED_SECRET not in json.dumps(result)
