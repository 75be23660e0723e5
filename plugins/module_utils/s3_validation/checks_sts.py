# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The STS check of ceph_s3_validate (a mixin of Validator): what a catalog that vends credentials (Apache Polaris
with stsUnavailable=false) needs from the endpoint.

AssumeRole on the role with a session policy shaped like Polaris's (PutObject/DeleteObject, GetObject, ListBucket
with an s3:prefix condition and GetBucketLocation on one location), then, with the temporary credentials: write,
read and list inside the location must work, a write and a read outside it must be refused with AccessDenied.

Ceph RGW 16.2 answers STS with S3-style error documents (<Error><Code>...), which botocore's STS parser does not
read (it reports code None); the code is taken from the raw body instead."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re
import time

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import ClientError, s3_client, sts_client
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import error_code, http_status
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import FAIL, CheckOutcome

STS_SESSION_NAME = 'ceph-s3-validate'
STS_DURATION_SECONDS = 900  # the STS minimum

# AssumeRole error code -> (what it means, remedy). Measured on Ceph RGW 16.2.15.
STS_REMEDIES = {
    'InvalidArgument': ('STS is not configured on the gateway (radosgw 16.2 answers 400 InvalidArgument and logs '
                        '"Invalid rgw sts key, please ensure its length is 16")',
                        'set rgw_sts_key (exactly 16 characters) and rgw_s3_auth_use_sts = true in the radosgw '
                        'section and restart radosgw (local stack: local_stack_rgw_sts=true)'),
    'NoSuchEntity': ('the role does not exist',
                     'create it: radosgw-admin role create --role-name=<name> --assume-role-policy-doc=<trust policy>'),
    'AccessDenied': ('the role\'s trust policy does not let this user assume it',
                     'name the user in the trust policy (Principal {"AWS": ["arn:aws:iam:::user/<uid>"]}, Action '
                     'sts:AssumeRole): radosgw-admin role modify --role-name=<name> --assume-role-policy-doc=...'),
    'MalformedPolicyDocument': ('the gateway refused the session policy',
                                'radosgw 16.2 parses only s3/iam/sts actions (kms:* makes the whole policy malformed: '
                                'set kmsUnavailable on a Polaris catalog) and does not decode "+" in form bodies '
                                '(send policies as compact JSON without spaces)'),
}


def session_policy(bucket, prefix):
    """The session policy Polaris 1.4.1 sends for one read-write location with listing (kmsUnavailable=true)."""
    prefix = prefix.strip('/')
    objects = 'arn:aws:s3:::%s/%s/*' % (bucket, prefix)
    return {'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Action': ['s3:PutObject', 's3:DeleteObject'], 'Resource': objects},
        {'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': 'arn:aws:s3:::%s' % bucket,
         'Condition': {'StringLike': {'s3:prefix': '%s/*' % prefix}}},
        {'Effect': 'Allow', 'Action': 's3:GetBucketLocation', 'Resource': 'arn:aws:s3:::%s' % bucket},
        {'Effect': 'Allow', 'Action': ['s3:GetObject', 's3:GetObjectVersion'], 'Resource': objects},
    ]}


def raw_error_code(body):
    """The <Code> of an error document (RGW's STS errors are S3-shaped: botocore's STS parser misses them)."""
    match = re.search(br'<Code>([^<]+)</Code>', body or b'')
    return match.group(1).decode('ascii', 'replace') if match else None


def assume_role_outcome(exc, raw_code, role_arn):
    """A CheckOutcome (fail) for a refused AssumeRole."""
    code = error_code(exc) or raw_code or 'HTTP %s' % (http_status(exc) or '?')
    meaning, remedy = STS_REMEDIES.get(code, ('unexpected answer', 'check the radosgw log for the request'))
    return CheckOutcome(FAIL, 'AssumeRole of %s refused: HTTP %s %s: %s' % (role_arn, http_status(exc), code, meaning),
                        remedy, data={'error_code': code, 'http_status': http_status(exc)})


class StsChecks(object):
    """check_sts of Validator."""

    def check_sts(self):
        role_arn = self.params.get('sts_role_arn')
        endpoint = (self.params.get('sts_endpoint_url') or self.endpoint).rstrip('/')
        scope = self.key('sts/allowed').rstrip('/')
        policy = session_policy(self.bucket, scope)
        client = sts_client(self.conn, endpoint_url=endpoint)
        raw = {}

        def keep_body(response, **_kwargs):
            if response is not None and response[0] is not None:
                raw['body'] = response[0].content
        client.meta.events.register('needs-retry.sts.AssumeRole', keep_body)
        t0 = time.perf_counter()
        try:
            # Compact JSON: radosgw 16.2 does not decode "+" (botocore's encoding of a space) in form bodies.
            answer = client.assume_role(RoleArn=role_arn, RoleSessionName=STS_SESSION_NAME,
                                        Policy=json.dumps(policy, separators=(',', ':')),
                                        DurationSeconds=STS_DURATION_SECONDS)
        except ClientError as exc:
            raise assume_role_outcome(exc, raw_error_code(raw.get('body')), role_arn)
        assume_ms = round((time.perf_counter() - t0) * 1000.0, 1)
        creds = answer['Credentials']
        expiration = creds.get('Expiration')
        lifetime = None
        if isinstance(expiration, datetime.datetime):
            now = datetime.datetime.now(expiration.tzinfo or datetime.timezone.utc)
            lifetime = round((expiration - now).total_seconds())
        data = {'role_arn': role_arn, 'sts_endpoint_url': endpoint, 'assume_role_ms': assume_ms,
                'assumed_role_arn': (answer.get('AssumedRoleUser') or {}).get('Arn'),
                'requested_duration_seconds': STS_DURATION_SECONDS, 'lifetime_seconds': lifetime,
                'scope': 's3://%s/%s/' % (self.bucket, scope)}
        if not creds.get('SessionToken') or lifetime is None or not 0 < lifetime <= STS_DURATION_SECONDS + 60:
            raise CheckOutcome(FAIL, 'AssumeRole answered without a session token or with an expiration not within '
                               'the %d s asked for (%s)' % (STS_DURATION_SECONDS, expiration),
                               'check the gateway\'s STS implementation (rgw_sts_max_session_duration)', data=data)
        temp = s3_client(dict(self.conn, access_key=creds['AccessKeyId'], secret_key=creds['SecretAccessKey'],
                              session_token=creds['SessionToken']), max_attempts=1,
                         request_checksum_calculation=self.boto3_mode, response_checksum_validation=self.boto3_mode)
        inside, body = scope + '/probe.bin', b'sts-probe-' + self.run_id.encode('ascii')
        try:
            temp.put_object(Bucket=self.bucket, Key=inside, Body=body)
            if temp.get_object(Bucket=self.bucket, Key=inside)['Body'].read() != body:
                raise CheckOutcome(FAIL, 'an object written with the temporary credentials read back different',
                                   'check the gateway log', data=data)
            listed = [o['Key'] for o in temp.list_objects_v2(Bucket=self.bucket, Prefix=scope + '/').get('Contents', [])]
        except ClientError as exc:
            raise CheckOutcome(FAIL, 'the temporary credentials were refused inside their scope %s: %s %s'
                               % (data['scope'], http_status(exc), error_code(exc)),
                               'the role\'s permission policy must allow the S3 actions of the session policy '
                               '(radosgw-admin role-policy get); rgw_s3_auth_use_sts = true must be set', data=data)
        if inside not in listed:
            raise CheckOutcome(FAIL, 'a listing with the temporary credentials misses the object just written',
                               'check the gateway log', data=data)
        outside_key, existing = self.key('sts/outside.bin'), self.key('sts/outside-existing.bin')
        self.client().put_object(Bucket=self.bucket, Key=existing, Body=b'x')  # with the configured keys
        refused, allowed = [], []
        for what, call in (
                ('PutObject outside the scope', lambda: temp.put_object(Bucket=self.bucket, Key=outside_key, Body=b'x')),
                ('GetObject outside the scope', lambda: temp.get_object(Bucket=self.bucket, Key=existing)),
                ('ListObjectsV2 outside the scope', lambda: temp.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)),
                ('ListBuckets', temp.list_buckets)):
            try:
                call()
                allowed.append(what)
            except ClientError as exc:
                if error_code(exc) == 'AccessDenied' or http_status(exc) == 403:
                    refused.append(what)
                else:
                    allowed.append('%s (answered %s %s, not AccessDenied)' % (what, http_status(exc), error_code(exc)))
        data.update(refused_outside=refused, allowed_inside=['PutObject', 'GetObject', 'ListObjectsV2'])
        if allowed:
            raise CheckOutcome(FAIL, 'the session policy is not enforced: the temporary credentials could %s'
                               % one_line('; '.join(allowed), 300),
                               'a gateway that ignores session policies cannot give location-scoped credentials: '
                               'do not vend credentials from this endpoint (stsUnavailable=true)', data=data)
        return ('AssumeRole of %s in %.1f ms (credentials for %d s); the temporary credentials write, read and list in '
                '%s and are refused outside it (%d AccessDenied)'
                % (role_arn, assume_ms, lifetime, data['scope'], len(refused)), data)
