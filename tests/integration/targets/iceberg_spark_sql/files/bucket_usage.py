"""Objects and bytes under a bucket prefix, from the S3 listing itself (not from Iceberg's metadata).

Usage: bucket_usage.py BUCKET PREFIX; endpoint and keys from S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Prints JSON: {"objects": n, "bytes": n, "keys": {key: size}}.
"""
import json
import os
import sys

import boto3

bucket, prefix = sys.argv[1], sys.argv[2]
client = boto3.client('s3', endpoint_url=os.environ['S3_ENDPOINT_URL'])
keys = {}
for page in client.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix):
    for item in page.get('Contents', []):
        keys[item['Key']] = item['Size']
print(json.dumps({'objects': len(keys), 'bytes': sum(keys.values()), 'keys': keys}))
