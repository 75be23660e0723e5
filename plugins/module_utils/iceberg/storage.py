# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table files in object storage: URI normalisation, listing and batch deletes (S3 through the collection's S3 layer,
plugins/module_utils/s3/; local files through the table's FileIO), the files that snapshots and table metadata
reach, and the pure selection of orphan files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
from collections import OrderedDict

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.errors import IcebergModuleError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.connection import (
    BOTO3_IMPORT_ERROR,
    s3_client,
    s3_connection_params,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.objects import delete_objects, list_objects


S3_SCHEMES = ('s3', 's3a', 's3n')


def norm_uri(uri):
    """Canonical form of a file location so that s3a://b/k == s3://b/k and file:///p == /p."""
    from urllib.parse import urlparse
    parsed = urlparse(uri)
    scheme = (parsed.scheme or '').lower()
    if scheme in S3_SCHEMES:
        return 's3://%s%s' % (parsed.netloc, parsed.path)
    if scheme in ('', 'file') or (len(scheme) == 1 and os.name == 'nt'):
        return os.path.normpath(parsed.path if scheme == 'file' else uri)
    return '%s://%s%s' % (scheme, parsed.netloc, parsed.path)


def location_prefix(location):
    """Normalised location with exactly one trailing slash (so t/ does not match t2/)."""
    return norm_uri(location).rstrip('/') + '/'


def under(uri_norm, prefixes):
    return any(uri_norm.startswith(p) for p in prefixes)


class ObjectStore(object):
    """Lists and deletes files under table locations.

    S3 locations go through the S3 layer (plugins/module_utils/s3/objects.py: ListObjectsV2 without directory
    markers, DeleteObjects in batches of 1000), never pyarrow's delete_file, which re-creates a "directory" marker.
    Other schemes (local files) go through the table's pyarrow FileIO.
    """

    def __init__(self, params, io):
        self.params = params
        self.io = io
        self._client = None

    def _s3(self):
        if self._client is None:
            if BOTO3_IMPORT_ERROR:
                raise IcebergModuleError('boto3 is required to list and delete files in S3 during maintenance.')
            conn = s3_connection_params(self.params)
            conn['region'] = conn.get('region') or 'us-east-1'
            self._client = s3_client(conn, addressing_style='path' if self.params.get('s3_path_style_access', True)
                                     else 'virtual', max_pool_connections=16)
        return self._client

    def list(self, location):
        """Yield (normalised uri, size, mtime epoch seconds) of every file under location."""
        from urllib.parse import urlparse
        parsed = urlparse(location)
        scheme = parsed.scheme.lower()
        if scheme in S3_SCHEMES:
            bucket = parsed.netloc
            prefix = parsed.path.lstrip('/').rstrip('/')
            prefix = prefix + '/' if prefix else ''
            try:
                for obj in list_objects(self._s3(), bucket, prefix):
                    yield ('s3://%s/%s' % (bucket, obj['Key']), obj['Size'], obj['LastModified'].timestamp())
            except IcebergModuleError:
                raise
            except Exception as exc:
                raise IcebergModuleError(describe_s3_error(exc, self.params.get('endpoint_url'),
                                                           'Listing s3://%s/%s' % (bucket, prefix)))
            return
        from pyarrow.fs import FileSelector, FileType
        scheme_, netloc, path = self.io.parse_location(location)
        fs = self.io.fs_by_scheme(scheme_, netloc)
        for info in fs.get_file_info(FileSelector(path.rstrip('/'), recursive=True, allow_not_found=True)):
            if info.type != FileType.File:
                continue
            uri = info.path if scheme_ == 'file' else '%s://%s' % (scheme_, info.path)
            mtime = info.mtime.timestamp() if info.mtime is not None else time.time()
            yield (norm_uri(uri), info.size, mtime)

    def delete(self, uris):
        """Delete files; return (deleted, errors) lists of normalised uris / 'uri: reason' strings."""
        from urllib.parse import urlparse
        deleted, errors = [], []
        by_bucket, others = OrderedDict(), []
        for uri in uris:
            parsed = urlparse(uri)
            if parsed.scheme.lower() in S3_SCHEMES:
                by_bucket.setdefault(parsed.netloc, []).append(parsed.path.lstrip('/'))
            else:
                others.append(uri)
        for bucket, keys in by_bucket.items():
            gone, refused = delete_objects(self._s3(), bucket, keys)
            deleted.extend('s3://%s/%s' % (bucket, key) for key in gone)
            errors.extend('s3://%s/%s: %s' % (bucket, key, refused[key]) for key in keys if key in refused)
        for uri in others:
            try:
                self.io.delete(uri)
                deleted.append(norm_uri(uri))
            except FileNotFoundError:
                deleted.append(norm_uri(uri))
            except Exception as exc:
                errors.append('%s: %s' % (uri, one_line(exc, 200)))
        return deleted, errors


FILE_KINDS = ('manifest_lists', 'manifests', 'data_files', 'delete_files', 'statistics_files', 'metadata_files')


def empty_file_sets():
    return dict((kind, set()) for kind in FILE_KINDS)


def union_file_sets(*sets):
    out = empty_file_sets()
    for s in sets:
        for kind in FILE_KINDS:
            out[kind] |= s.get(kind, set())
    return out


def subtract_file_sets(a, b):
    """Files of `a` that `b` does not reach. A path reached under any kind in b is kept (never deleted)."""
    everything_b = set()
    for kind in FILE_KINDS:
        everything_b |= b.get(kind, set())
    return dict((kind, set(p for p in a.get(kind, set()) if p not in everything_b)) for kind in FILE_KINDS)


def count_file_sets(s):
    return dict((kind, len(s.get(kind, ()))) for kind in FILE_KINDS)


class ManifestReader(object):
    """Reads manifest lists and manifests once per run (normalised paths out)."""

    def __init__(self, io):
        self.io = io
        self._lists = {}
        self._entries = {}

    def manifests(self, snapshot):
        key = snapshot.manifest_list
        if key not in self._lists:
            self._lists[key] = snapshot.manifests(self.io)
        return self._lists[key]

    def entries(self, manifest, live_only):
        key = (manifest.manifest_path, live_only)
        if key not in self._entries:
            self._entries[key] = [(e.data_file.file_path, int(e.data_file.content)) for e in
                                  manifest.fetch_manifest_entry(self.io, discard_deleted=live_only)]
        return self._entries[key]

    def snapshot_files(self, snapshot, live_only=True):
        """Files one snapshot reaches: its manifest list, its manifests, and the data/delete files those list.

        live_only=True counts only ADDED/EXISTING entries (what a reader of the snapshot opens); False also counts
        DELETED entries (more conservative, used to decide what is an orphan).
        """
        out = empty_file_sets()
        if snapshot.manifest_list:
            out['manifest_lists'].add(norm_uri(snapshot.manifest_list))
        for manifest in self.manifests(snapshot):
            out['manifests'].add(norm_uri(manifest.manifest_path))
            for path, content in self.entries(manifest, live_only):
                out['data_files' if content == 0 else 'delete_files'].add(norm_uri(path))
        return out

    def snapshots_files(self, snapshots, live_only=True):
        return union_file_sets(*[self.snapshot_files(s, live_only) for s in snapshots]) if snapshots else empty_file_sets()


def metadata_reachable(metadata, metadata_location):
    """Files the table metadata itself references (not through snapshots)."""
    out = empty_file_sets()
    if metadata_location:
        out['metadata_files'].add(norm_uri(metadata_location))
    for entry in metadata.metadata_log:
        out['metadata_files'].add(norm_uri(entry.metadata_file))
    for stats in list(getattr(metadata, 'statistics', []) or []) + list(getattr(metadata, 'partition_statistics', []) or []):
        path = getattr(stats, 'statistics_path', None)
        if path:
            out['statistics_files'].add(norm_uri(path))
    return out


def select_orphans(listing, reachable, protected_prefixes, now_s, guard_s, is_metadata_helper=None):
    """Pure orphan selection.

    listing: iterable of (normalised uri, size, mtime epoch s); reachable: set of normalised uris;
    protected_prefixes: prefixes of other tables nested under the scanned location (never touched).
    Returns (orphans, too_recent): lists of (uri, size, mtime). A file is an orphan only if nothing reaches it,
    it is not under a protected prefix, it is not a version-hint file, and it is older than the guard.
    """
    orphans, too_recent = [], []
    for uri, size, mtime in listing:
        if uri in reachable or under(uri, protected_prefixes):
            continue
        if uri.endswith('/version-hint.text'):
            continue
        if now_s - mtime < guard_s:
            too_recent.append((uri, size, mtime))
        else:
            orphans.append((uri, size, mtime))
    return orphans, too_recent
