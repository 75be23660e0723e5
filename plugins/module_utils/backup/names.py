# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names, object keys, the manifest (build, schema, validation, checks) and retention of metastore backups.

Layout of a backup called NAME (``<database>-<YYYYmmddTHHMMSS.mmm>Z``, UTC, so that names sort by age):

* ``NAME.dump``: ``pg_dump --format=custom`` output, streamed (S3 multipart upload with a bounded part
  buffer, or ``NAME.dump.partial`` then fsync + rename in a directory); never staged on local disk.
* ``NAME.manifest.json``: written LAST, only once the dump is complete, pg_dump exited 0 and the stored
  object's size (and S3 ETag) were checked. A backup is "good" only if its manifest exists, is valid and
  matches the stored dump's size (and ETag). Anything else is reported as invalid and never counted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

MANIFEST_FORMAT = 'dataplatform.lakehouse.metastore_backup/v1'
DUMP_SUFFIX = '.dump'
MANIFEST_SUFFIX = '.manifest.json'
PARTIAL_SUFFIX = '.partial'

_NAME_RE = re.compile(r'^(?P<database>.+)-(?P<stamp>\d{8}T\d{6}\.\d{3}Z)$')
_SHA256_RE = re.compile(r'^[0-9a-f]{64}$')
_STAMP_FORMAT = '%Y%m%dT%H%M%S'


# --------------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------------

def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def isoformat(when):
    return when.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def parse_isoformat(text):
    text = text.rstrip('Z')
    for fmt in ('%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S'):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            continue
    raise ValueError('not an ISO 8601 UTC timestamp: %s' % text)


def sanitize_database_name(database):
    """The database name as used in object keys/file names: [A-Za-z0-9_.-], other characters become '_'."""
    cleaned = re.sub(r'[^A-Za-z0-9_.-]', '_', database or '')
    return cleaned.strip('.') or 'db'


def backup_name(database, when):
    """``<database>-<YYYYmmddTHHMMSS.mmm>Z`` in UTC: sorting names (per database) sorts by age."""
    when = when.astimezone(datetime.timezone.utc)
    return '%s-%s.%03dZ' % (sanitize_database_name(database), when.strftime(_STAMP_FORMAT), when.microsecond // 1000)


def parse_backup_name(name):
    """(database_slug, datetime) for a backup name, or None if it is not one of ours."""
    match = _NAME_RE.match(name or '')
    if not match:
        return None
    stamp = match.group('stamp')
    when = datetime.datetime.strptime(stamp[:15], _STAMP_FORMAT).replace(
        microsecond=int(stamp[16:19]) * 1000, tzinfo=datetime.timezone.utc)
    return match.group('database'), when


def normalize_prefix(prefix):
    return '/'.join(part for part in (prefix or '').split('/') if part)


def join_key(prefix, filename):
    prefix = normalize_prefix(prefix)
    return '%s/%s' % (prefix, filename) if prefix else filename


def split_backup_filename(filename):
    """('NAME', 'dump'|'manifest'|'dump.partial'|'manifest.partial') or None."""
    for suffix, kind in ((DUMP_SUFFIX + PARTIAL_SUFFIX, 'dump.partial'),
                         (MANIFEST_SUFFIX + PARTIAL_SUFFIX, 'manifest.partial'),
                         (DUMP_SUFFIX, 'dump'), (MANIFEST_SUFFIX, 'manifest')):
        if filename.endswith(suffix):
            name = filename[:-len(suffix)]
            if parse_backup_name(name):
                return name, kind
            return None
    return None


# --------------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------------

MANIFEST_SCHEMA = {
    '$schema': 'http://json-schema.org/draft-07/schema#',
    'title': 'metastore_backup manifest',
    'type': 'object',
    'required': ['format', 'name', 'database', 'started_at', 'finished_at', 'server_version',
                 'server_version_num', 'pg_dump_version', 'dump', 'tables', 'polaris_entities'],
    'properties': {
        'format': {'const': MANIFEST_FORMAT},
        'name': {'type': 'string', 'pattern': _NAME_RE.pattern},
        'database': {'type': 'string', 'minLength': 1},
        'owner': {'type': ['string', 'null']},
        'encoding': {'type': ['string', 'null']},
        'source': {'type': 'object'},
        'started_at': {'type': 'string'},
        'finished_at': {'type': 'string'},
        'duration_seconds': {'type': 'number', 'minimum': 0},
        'server_version': {'type': 'string'},
        'server_version_num': {'type': 'integer'},
        'pg_dump_version': {'type': 'string'},
        'dump': {
            'type': 'object',
            'required': ['file', 'format', 'size', 'sha256'],
            'properties': {
                'file': {'type': 'string'},
                'format': {'const': 'custom'},
                'size': {'type': 'integer', 'minimum': 1},
                'sha256': {'type': 'string', 'pattern': _SHA256_RE.pattern},
                'etag': {'type': ['string', 'null']},
                'parts': {'type': ['integer', 'null']},
                'compression_level': {'type': ['integer', 'null']},
            },
        },
        'tables': {'type': 'object', 'additionalProperties': {'type': 'integer', 'minimum': 0}},
        'hive_metastore_entities': {
            'type': ['object', 'null'],
            'required': ['databases', 'tables', 'iceberg_metadata_locations'],
            'properties': {
                'schema_version': {'type': ['string', 'null']},
                'databases': {'type': 'array', 'items': {'type': 'string'}},
                'tables': {'type': 'array', 'items': {'type': 'string'}},
                'iceberg_metadata_locations': {'type': 'object', 'additionalProperties': {'type': 'string'}},
            },
        },
        'polaris_entities': {
            'type': ['object', 'null'],
            'required': ['total', 'by_type_code', 'by_type'],
            'properties': {
                'total': {'type': 'integer', 'minimum': 0},
                'by_type_code': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
                'by_type': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
                'schema_version': {'type': ['integer', 'null']},
            },
        },
    },
}


def build_manifest(name, database, started_at, finished_at, dump_file, size, sha256, etag, parts,
                   server_version, server_version_num, pg_dump_version, tables, polaris_entities,
                   owner=None, encoding=None, source=None, compression_level=None, hive_metastore_entities=None):
    return {
        'format': MANIFEST_FORMAT,
        'name': name,
        'database': database,
        'owner': owner,
        'encoding': encoding,
        'source': source or {},
        'started_at': isoformat(started_at),
        'finished_at': isoformat(finished_at),
        'duration_seconds': round((finished_at - started_at).total_seconds(), 3),
        'server_version': server_version,
        'server_version_num': int(server_version_num),
        'pg_dump_version': pg_dump_version,
        'dump': {
            'file': dump_file,
            'format': 'custom',
            'size': int(size),
            'sha256': sha256,
            'etag': etag,
            'parts': parts,
            'compression_level': compression_level,
        },
        'tables': dict(tables),
        'polaris_entities': polaris_entities,
        # Only for a Hive Metastore's database (its databases, tables, Iceberg metadata locations); else null.
        'hive_metastore_entities': hive_metastore_entities,
    }


def validate_manifest(manifest):
    """The problems of a manifest against MANIFEST_SCHEMA (a dependency-free subset check); [] when valid."""
    problems = []
    if not isinstance(manifest, dict):
        return ['manifest is not a JSON object']
    for key in MANIFEST_SCHEMA['required']:
        if key not in manifest:
            problems.append('missing %s' % key)
    if problems:
        return problems
    if manifest['format'] != MANIFEST_FORMAT:
        problems.append('unknown format %r' % (manifest['format'],))
    if not isinstance(manifest['name'], str) or not parse_backup_name(manifest['name']):
        problems.append('name %r is not a backup name' % (manifest['name'],))
    for key in ('started_at', 'finished_at'):
        try:
            parse_isoformat(manifest[key])
        except (ValueError, AttributeError, TypeError):
            problems.append('%s is not an ISO 8601 UTC timestamp' % key)
    dump = manifest['dump']
    if not isinstance(dump, dict):
        problems.append('dump is not an object')
    else:
        for key in ('file', 'format', 'size', 'sha256'):
            if key not in dump:
                problems.append('missing dump.%s' % key)
        if not isinstance(dump.get('size'), int) or isinstance(dump.get('size'), bool) or dump.get('size', 0) < 1:
            problems.append('dump.size is not a positive integer')
        if not isinstance(dump.get('sha256'), str) or not _SHA256_RE.match(dump.get('sha256') or ''):
            problems.append('dump.sha256 is not a hex sha256')
        if dump.get('format') != 'custom':
            problems.append('dump.format is not custom')
    tables = manifest['tables']
    if not isinstance(tables, dict) or not all(isinstance(v, int) and v >= 0 for v in tables.values()):
        problems.append('tables is not a map of table to row count')
    polaris = manifest['polaris_entities']
    if polaris is not None and (not isinstance(polaris, dict) or 'by_type_code' not in polaris):
        problems.append('polaris_entities is malformed')
    return problems


def normalize_etag(etag):
    return etag.strip('"') if isinstance(etag, str) else etag


def check_backup(manifest, dump_info, name=None):
    """Why the stored dump does not match its manifest (a string), or None when the backup is good.

    dump_info: {'size': int, 'etag': str or None} of the stored dump, or None if it is missing.
    """
    problems = validate_manifest(manifest)
    if problems:
        return 'invalid manifest: %s' % '; '.join(problems)
    if name is not None and manifest['name'] != name:
        return 'manifest names another backup (%s)' % manifest['name']
    if dump_info is None:
        return 'dump file is missing'
    if dump_info.get('size') != manifest['dump']['size']:
        return 'dump size %s does not match the manifest (%s)' % (dump_info.get('size'), manifest['dump']['size'])
    stored, expected = normalize_etag(dump_info.get('etag')), normalize_etag(manifest['dump'].get('etag'))
    if stored and expected and stored != expected:
        return 'dump ETag %s does not match the manifest (%s): the object was replaced' % (stored, expected)
    return None


# --------------------------------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------------------------------

def select_retention(backups, keep_last=None, keep_days=None, now=None, protect=()):
    """Split good backups into (keep, delete) name lists, newest first.

    backups: dicts with 'name' and 'timestamp' (aware datetime). A backup is kept when ANY configured rule
    keeps it: it is among the keep_last newest, or younger than keep_days. The newest backup and the names in
    `protect` are always kept. Without any rule nothing is deleted.
    """
    ordered = sorted(backups, key=lambda b: (b['timestamp'], b['name']), reverse=True)
    if keep_last is None and keep_days is None:
        return [b['name'] for b in ordered], []
    now = now or utcnow()
    cutoff = now - datetime.timedelta(days=keep_days) if keep_days is not None else None
    keep, delete = [], []
    for index, backup in enumerate(ordered):
        kept = (index == 0 or backup['name'] in protect
                or (keep_last is not None and index < keep_last)
                or (cutoff is not None and backup['timestamp'] >= cutoff))
        (keep if kept else delete).append(backup['name'])
    return keep, delete
