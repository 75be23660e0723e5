"""S3 requests with the credentials Polaris vended (from the environment, never argv): prints one JSON object,
request name -> "allowed" or the error code RGW answered. amazon.aws.s3_object cannot do this: it HEADs the bucket
first, which location-scoped credentials may not."""
import json
import os
import sys

import boto3
import botocore
from botocore.config import Config

bucket, other_bucket, location = sys.argv[1:4]
client = boto3.client(
    's3', endpoint_url=os.environ['PROBE_ENDPOINT'], region_name=os.environ.get('PROBE_REGION', 'us-east-1'),
    aws_access_key_id=os.environ['PROBE_ACCESS_KEY'], aws_secret_access_key=os.environ['PROBE_SECRET_KEY'],
    aws_session_token=os.environ['PROBE_SESSION_TOKEN'],
    config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1},
                  request_checksum_calculation='when_required', response_checksum_validation='when_required'))
sibling = location.rsplit('/', 1)[0] + '/other'
requests = (  # name, client method, its arguments
    ('put_inside', 'put_object', dict(Bucket=bucket, Key=location + '/data/probe.txt', Body=b'vended')),
    ('get_inside', 'get_object', dict(Bucket=bucket, Key=location + '/data/probe.txt')),
    ('list_inside', 'list_objects_v2', dict(Bucket=bucket, Prefix=location + '/')),
    ('put_bucket_root', 'put_object', dict(Bucket=bucket, Key='outside/evil.txt', Body=b'x')),
    ('get_outside', 'get_object', dict(Bucket=bucket, Key='outside/secret.txt')),
    ('put_sibling_table', 'put_object', dict(Bucket=bucket, Key=sibling + '/data/probe.txt', Body=b'x')),
    ('list_bucket_root', 'list_objects_v2', dict(Bucket=bucket)),
    ('put_other_bucket', 'put_object', dict(Bucket=other_bucket, Key=location + '/data/probe.txt', Body=b'x')),
)
result = {}
for name, method, kwargs in requests:
    try:
        answer = getattr(client, method)(**kwargs)
        if 'Body' in answer and method == 'get_object':
            answer['Body'].read()
        result[name] = 'allowed'
    except botocore.exceptions.ClientError as exc:
        result[name] = exc.response.get('Error', {}).get('Code') or str(exc.response['ResponseMetadata']['HTTPStatusCode'])
print(json.dumps(result))
