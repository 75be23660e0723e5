# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Listing and batch deletes on S3, the one implementation every feature uses (table maintenance, backups,
validation clean-up, platform facts).

Deletes go through DeleteObjects in batches of 1000: pyarrow's S3FileSystem.delete_file re-creates an empty
"directory" marker object when it removes the last file of a prefix, which leaves objects behind.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line

DELETE_BATCH = 1000


def is_directory_marker(obj):
    return obj['Key'].endswith('/') and obj.get('Size', 0) == 0


def list_objects(client, bucket, prefix='', skip_markers=True, delimiter=None):
    """Yield the ListObjectsV2 entries (dicts with Key, Size, LastModified, ETag) under `prefix`, every page.

    delimiter='/': only the objects directly under `prefix` (not those in its "subdirectories").
    Client errors propagate: callers describe them with s3.errors.describe_s3_error in their own words.
    """
    paginator = client.get_paginator('list_objects_v2')
    extra = {'Delimiter': delimiter} if delimiter else {}
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix or '', **extra):
        for obj in page.get('Contents', []):
            if skip_markers and is_directory_marker(obj):
                continue
            yield obj


def delete_objects(client, bucket, keys, batch=DELETE_BATCH, single_fallback=False):
    """Delete `keys` in DeleteObjects batches; return (deleted keys, {key: 'Code Message'} of the refused ones).

    A batch whose request fails as a whole records the error for each of its keys (single_fallback=True: deletes
    them one by one instead, for gateways that do not implement DeleteObjects); the remaining batches still run.
    """
    keys = list(keys)
    deleted, errors = [], {}
    for start in range(0, len(keys), batch):
        chunk = keys[start:start + batch]
        try:
            response = client.delete_objects(
                Bucket=bucket, Delete={'Objects': [{'Key': k} for k in chunk], 'Quiet': True})
        except Exception as exc:  # the request itself failed: every key of the batch is left in place
            for key in chunk:
                if single_fallback:
                    _delete_one(client, bucket, key, deleted, errors)
                else:
                    errors[key] = one_line(exc, 200)
            continue
        failed = dict((e.get('Key'), '%s %s' % (e.get('Code'), e.get('Message'))) for e in response.get('Errors', []))
        for key in chunk:
            if key in failed:
                errors[key] = failed[key]
            else:
                deleted.append(key)
    return deleted, errors


def _delete_one(client, bucket, key, deleted, errors):
    try:
        client.delete_object(Bucket=bucket, Key=key)
        deleted.append(key)
    except Exception as exc:
        errors[key] = one_line(exc, 200)
