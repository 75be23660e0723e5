# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the sts check's pure parts: the Polaris-shaped session policy, the error mapping of RGW's STS
answers (S3-shaped error documents botocore's STS parser does not read), the parameter rule. The check itself runs
against the real RGW in the ceph_s3_validate and iceberg_table_polaris_sts integration targets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from botocore.exceptions import ClientError

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import catalogue
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.checks_sts import (
    STS_REMEDIES, assume_role_outcome, raw_error_code, session_policy,
)
from ansible_collections.dataplatform.lakehouse.plugins.modules import ceph_s3_validate

# The answers of Ceph RGW 16.2.15 to AssumeRole, as measured (docs/credential-vending.md).
RGW_ERROR = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message></Message>'
             '<RequestId>tx0-default</RequestId><HostId>1028-default-default</HostId></Error>')


def rgw_client_error(status):
    """What botocore raises for RGW's STS error: its STS (query) parser finds no <ErrorResponse>, so no Error code."""
    return ClientError({'ResponseMetadata': {'HTTPStatusCode': status}}, 'AssumeRole')


def test_session_policy_is_polaris_shaped_and_compact_json_has_no_spaces():
    policy = session_policy('bkt', '/wh/ns/t/')
    assert policy['Version'] == '2012-10-17'
    by_action = dict((json.dumps(st['Action']), st) for st in policy['Statement'])
    assert by_action['["s3:PutObject", "s3:DeleteObject"]']['Resource'] == 'arn:aws:s3:::bkt/wh/ns/t/*'
    assert by_action['["s3:GetObject", "s3:GetObjectVersion"]']['Resource'] == 'arn:aws:s3:::bkt/wh/ns/t/*'
    assert by_action['"s3:ListBucket"']['Condition'] == {'StringLike': {'s3:prefix': 'wh/ns/t/*'}}
    assert by_action['"s3:GetBucketLocation"']['Resource'] == 'arn:aws:s3:::bkt'
    # no kms:* (RGW 16.2 refuses the whole policy as MalformedPolicyDocument)
    assert not [a for st in policy['Statement'] for a in ([st['Action']] if isinstance(st['Action'], str)
                                                          else st['Action']) if not a.startswith('s3:')]
    assert ' ' not in json.dumps(policy, separators=(',', ':'))


def test_raw_error_code():
    assert raw_error_code((RGW_ERROR % 'InvalidArgument').encode()) == 'InvalidArgument'
    assert raw_error_code(b'<AssumeRoleResponse/>') is None
    assert raw_error_code(None) is None


def test_assume_role_outcomes_name_the_cause_and_the_fix():
    cases = {400: 'InvalidArgument', 404: 'NoSuchEntity', 403: 'AccessDenied', 401: 'MalformedPolicyDocument'}
    for status, code in cases.items():
        outcome = assume_role_outcome(rgw_client_error(status), code, 'arn:aws:iam:::role/r')
        assert outcome.status == catalogue.FAIL
        assert outcome.data == {'error_code': code, 'http_status': status}
        assert code in outcome.detail and 'arn:aws:iam:::role/r' in outcome.detail
        assert outcome.remedy == STS_REMEDIES[code][1]
    assert 'rgw_sts_key' in STS_REMEDIES['InvalidArgument'][1]
    assert 'kmsUnavailable' in STS_REMEDIES['MalformedPolicyDocument'][1]
    unknown = assume_role_outcome(rgw_client_error(500), None, 'arn:aws:iam:::role/r')
    assert 'HTTP 500' in unknown.detail and 'radosgw log' in unknown.remedy


def test_sts_named_without_a_role_is_refused_before_anything_runs():
    params = {'bucket': 'bkt', 'checks': ['sts'], 'sts_role_arn': None, 'lifecycle_rules': [], 'baseline': {}}
    assert 'needs sts_role_arn' in ceph_s3_validate.check_params(params)
    assert ceph_s3_validate.check_params(dict(params, sts_role_arn='arn:aws:iam:::role/r')) is None


def test_sts_is_in_the_module_options():
    spec = ceph_s3_validate.argument_spec()
    assert spec['sts_role_arn'] == {'type': 'str'} and spec['sts_endpoint_url'] == {'type': 'str'}
    assert 'sts' in catalogue.CHECK_CHOICES and 'sts' in catalogue.CHECK_SPECS
    assert catalogue.CHECK_SPECS['sts']['writes'] and not catalogue.CHECK_SPECS['sts']['required']
