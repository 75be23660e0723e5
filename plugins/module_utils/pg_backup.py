# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL connection options and streamed, verifiable pg_dump backups (to S3 or a directory).

Used by the metastore_backup module. The PostgreSQL options are documented once in
plugins/doc_fragments/postgresql.py (extends_documentation_fragment: dataplatform.lakehouse.postgresql).

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
import errno
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
import traceback
import uuid

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import fsync_dir

PSYCOPG_IMPORT_ERROR = None
try:
    import psycopg
    from psycopg import sql
except ImportError:
    PSYCOPG_IMPORT_ERROR = traceback.format_exc()
    psycopg = None
    sql = None

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # boto3 is only needed for S3 destinations (the module reports it with missing_required_lib)
    class BotoCoreError(Exception):
        pass

    class ClientError(Exception):
        pass

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3.errors import describe_s3_error, is_not_found

MANIFEST_FORMAT = 'dataplatform.lakehouse.metastore_backup/v1'
DUMP_SUFFIX = '.dump'
MANIFEST_SUFFIX = '.manifest.json'
PARTIAL_SUFFIX = '.partial'
MIB = 1024 * 1024
S3_MAX_PARTS = 10000
READ_CHUNK = MIB

# org.apache.polaris.core.entity.PolarisEntityType
POLARIS_ENTITY_TYPES = {
    0: 'NULL_TYPE', 1: 'ROOT', 2: 'PRINCIPAL', 3: 'PRINCIPAL_ROLE', 4: 'CATALOG', 5: 'CATALOG_ROLE',
    6: 'NAMESPACE', 7: 'TABLE_LIKE', 8: 'TASK', 9: 'FILE', 10: 'POLICY',
}
POLARIS_SCHEMA = 'polaris_schema'
POLARIS_ENTITIES = 'entities'

SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']

_NAME_RE = re.compile(r'^(?P<database>.+)-(?P<stamp>\d{8}T\d{6}\.\d{3}Z)$')
_SHA256_RE = re.compile(r'^[0-9a-f]{64}$')
_STAMP_FORMAT = '%Y%m%dT%H%M%S'


class BackupError(LakehouseError):
    """A backup, restore or verification failed; the message ends with what was kept and what was deleted."""

    limit = None   # never cut: the end of the message says what happened to the older backups


class Interrupted(BaseException):
    """Raised from SIGTERM/SIGINT/SIGHUP so that clean-up (abort upload, drop scratch) still runs."""


def install_interrupt_handlers():
    def _handler(signum, _frame):
        raise Interrupted('interrupted by signal %d' % signum)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            signal.signal(signum, _handler)
        except (ValueError, OSError):  # not the main thread
            pass


# --------------------------------------------------------------------------------------------------
# Connection options
# --------------------------------------------------------------------------------------------------

def postgresql_argument_spec():
    """The PostgreSQL connection options shared by modules that talk to the metastore database."""
    return dict(
        host=dict(type='str', default='localhost', aliases=['login_host'], fallback=(env_fallback, ['PGHOST'])),
        port=dict(type='int', default=5432, aliases=['login_port'], fallback=(env_fallback, ['PGPORT'])),
        database=dict(type='str', aliases=['db', 'login_db']),
        user=dict(type='str', default='postgres', aliases=['login_user'], fallback=(env_fallback, ['PGUSER'])),
        password=dict(type='str', no_log=True, aliases=['login_password'], fallback=(env_fallback, ['PGPASSWORD'])),
        sslmode=dict(type='str', default='prefer', choices=SSL_MODES, fallback=(env_fallback, ['PGSSLMODE'])),
        ssl_rootcert=dict(type='path', aliases=['ca_cert'], fallback=(env_fallback, ['PGSSLROOTCERT'])),
        pg_connect_timeout=dict(type='int', default=10),
    )


PG_OPTION_NAMES = tuple(postgresql_argument_spec().keys())


def pg_connection_params(params):
    return dict((name, params.get(name)) for name in PG_OPTION_NAMES)


def pg_describe_server(conn):
    return '%s:%s' % (conn.get('host') or 'localhost', conn.get('port') or 5432)


def pg_env(conn, base=None):
    """Environment for pg_dump/pg_restore: the password goes here (PGPASSWORD), never on argv."""
    env = dict(os.environ if base is None else base)
    for name in ('PGPASSWORD', 'PGSERVICE', 'PGOPTIONS'):
        env.pop(name, None)
    if conn.get('password'):
        env['PGPASSWORD'] = conn['password']
    env['PGSSLMODE'] = conn.get('sslmode') or 'prefer'
    if conn.get('ssl_rootcert'):
        env['PGSSLROOTCERT'] = conn['ssl_rootcert']
    env['PGCONNECT_TIMEOUT'] = str(conn.get('pg_connect_timeout') or 10)
    env['PGAPPNAME'] = 'dataplatform.lakehouse.metastore_backup'
    return env


def dbname_argument(database):
    """The --dbname value: a plain name unless it would be parsed as a connection string."""
    if '=' in database or database.startswith(('postgresql://', 'postgres://')):
        return "dbname='%s'" % database.replace('\\', '\\\\').replace("'", "\\'")
    return database


def pg_tool_argv(binary, conn, database):
    return [binary, '--no-password', '--host', str(conn.get('host') or 'localhost'),
            '--port', str(conn.get('port') or 5432), '--username', str(conn.get('user') or 'postgres'),
            '--dbname', dbname_argument(database)]


def quote_command(argv):
    """A command line for the result. Secrets are never on argv (password in PGPASSWORD), so this is safe."""
    return ' '.join(shlex.quote(str(part)) for part in argv)


def pg_connect(conn, database, autocommit=True):
    """A psycopg connection. Errors are mapped to BackupError with an actionable message."""
    kwargs = dict(host=conn.get('host') or 'localhost', port=conn.get('port') or 5432, dbname=database,
                  user=conn.get('user') or 'postgres', sslmode=conn.get('sslmode') or 'prefer',
                  connect_timeout=conn.get('pg_connect_timeout') or 10,
                  application_name='dataplatform.lakehouse.metastore_backup')
    if conn.get('password'):
        kwargs['password'] = conn['password']
    if conn.get('ssl_rootcert'):
        kwargs['sslrootcert'] = conn['ssl_rootcert']
    try:
        return psycopg.connect(autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise BackupError(describe_pg_error(exc, conn, database, action='Connecting to PostgreSQL'))


def _first_error_line(text):
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    for line in lines:
        if 'error' in line.lower() or 'fatal' in line.lower():
            return line
    return lines[0] if lines else 'no error message'


def describe_pg_error(error, conn, database=None, action='PostgreSQL request'):
    """Map a psycopg exception or pg_dump/pg_restore stderr text to a one-line, actionable message."""
    text = str(error)
    low = text.lower()
    server = pg_describe_server(conn)
    user = conn.get('user') or 'postgres'
    if 'password authentication failed' in low:
        return ('%s at %s failed: password authentication failed for user "%s"; check the password '
                '(option password or PGPASSWORD).' % (action, server, user))
    if 'no password supplied' in low:
        return ('%s at %s failed: the server requires a password for user "%s" and none was given; '
                'set password (or PGPASSWORD).' % (action, server, user))
    if 'no pg_hba.conf entry' in low:
        return ('%s at %s failed: pg_hba.conf has no entry for user "%s" from this host (or for sslmode=%s); '
                'add one or change sslmode.' % (action, server, user, conn.get('sslmode')))
    if 'server does not support ssl' in low:
        return ('%s at %s failed: sslmode=%s but the server does not support SSL; use sslmode=prefer or enable SSL '
                'on the server.' % (action, server, conn.get('sslmode')))
    if 'server version mismatch' in low:
        return ('%s failed: %s; use PostgreSQL client tools at least as new as the server (option bin_dir).'
                % (action, _first_error_line(text)))
    if 'unsupported version' in low and 'file header' in low:
        return ('%s failed: %s; the backup was written by a newer pg_dump, use a newer pg_restore (option bin_dir).'
                % (action, _first_error_line(text)))
    match = re.search(r'database "([^"]+)" does not exist', text)
    if match:
        return '%s at %s failed: database "%s" does not exist; check database.' % (action, server, match.group(1))
    match = re.search(r'role "([^"]+)" does not exist', text)
    if match:
        return ('%s at %s failed: role "%s" does not exist; check user (restoring: create the role or set '
                'no_owner=true).' % (action, server, match.group(1)))
    if 'connection refused' in low or 'could not connect' in low or 'no such file or directory' in low \
            and 'socket' in low:
        return ('%s could not connect to %s (connection refused); check host/port and that PostgreSQL is running.'
                % (action, server))
    if 'timeout expired' in low or 'timed out' in low:
        return ('%s could not connect to %s within %ss; check host/port and firewalls.'
                % (action, server, conn.get('pg_connect_timeout') or 10))
    if 'could not translate host name' in low or 'name or service not known' in low:
        return '%s failed: cannot resolve host "%s"; check host.' % (action, conn.get('host'))
    if 'permission denied' in low or 'must be owner' in low or 'must be superuser' in low:
        return ('%s at %s failed: user "%s" lacks a privilege: %s.' % (action, server, user, _first_error_line(text)))
    if 'too many connections' in low or 'remaining connection slots' in low:
        return '%s at %s failed: the server has no free connection slots; retry later.' % (action, server)
    return '%s at %s failed: %s.' % (action, server, _first_error_line(text).rstrip('.'))


def describe_exit(returncode):
    """'exited with status 1' / 'was killed by signal 9 (SIGKILL)'."""
    if returncode is None:
        return 'did not finish'
    if returncode < 0:
        try:
            signame = signal.Signals(-returncode).name
        except ValueError:
            signame = 'signal %d' % -returncode
        return 'was killed by signal %d (%s)' % (-returncode, signame)
    if returncode > 128 and returncode - 128 in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
        return 'was killed (exit status %d, signal %d)' % (returncode, returncode - 128)
    return 'exited with status %d' % returncode


def describe_tool_failure(tool, returncode, stderr, conn, database):
    """pg_dump/pg_restore failed: how it ended, plus the mapped first error line of its stderr."""
    how = '%s %s' % (tool, describe_exit(returncode))
    if stderr and stderr.strip():
        return '%s: %s' % (how, describe_pg_error(stderr, conn, database, action=tool))
    return '%s without an error message.' % how


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
        'polaris_entities': {
            'type': ['object', 'null'],
            'required': ['total', 'by_type_code', 'by_type'],
            'properties': {
                'total': {'type': 'integer', 'minimum': 0},
                'by_type_code': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
                'by_type': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
            },
        },
    },
}


def build_manifest(name, database, started_at, finished_at, dump_file, size, sha256, etag, parts,
                   server_version, server_version_num, pg_dump_version, tables, polaris_entities,
                   owner=None, encoding=None, source=None, compression_level=None):
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


def compare_counts(expected_tables, actual_tables, expected_polaris=None, actual_polaris=None):
    """Differences between the manifest's row counts (and Polaris entity counts) and a restored database."""
    mismatches = []
    for table in sorted(set(expected_tables) | set(actual_tables)):
        exp, act = expected_tables.get(table), actual_tables.get(table)
        if exp != act:
            mismatches.append({'table': table, 'expected': exp, 'actual': act})
    if expected_polaris is not None or actual_polaris is not None:
        exp_codes = (expected_polaris or {}).get('by_type_code', {})
        act_codes = (actual_polaris or {}).get('by_type_code', {})
        for code in sorted(set(exp_codes) | set(act_codes), key=int):
            if exp_codes.get(code) != act_codes.get(code):
                mismatches.append({'polaris_entity_type': POLARIS_ENTITY_TYPES.get(int(code), code),
                                   'type_code': int(code), 'expected': exp_codes.get(code),
                                   'actual': act_codes.get(code)})
    return mismatches


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


# --------------------------------------------------------------------------------------------------
# PostgreSQL client tools
# --------------------------------------------------------------------------------------------------

def tool_version(path):
    """(major, 'x.y') of a PostgreSQL client tool, from `<tool> --version`."""
    try:
        out = subprocess.run([path, '--version'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=30, check=False).stdout.decode('utf-8', 'replace')
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError('Cannot run %s: %s.' % (path, exc))
    match = re.search(r'\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?', out)
    if not match:
        raise BackupError('Cannot tell the version of %s from %r.' % (path, out.strip()[:200]))
    return int(match.group(1)), '%s.%s' % (match.group(1), match.group(2) or '0')


def candidate_bin_dirs(path_env=None):
    dirs = []
    for entry in (path_env if path_env is not None else os.environ.get('PATH', '')).split(os.pathsep):
        tool = os.path.join(entry, 'pg_dump') if entry else ''
        # Debian's /usr/bin/pg_dump is pg_wrapper (a perl script choosing a version): use the real binaries.
        if tool and os.path.isfile(tool) and 'pg_wrapper' not in os.path.realpath(tool):
            dirs.append(entry)
    globbed = []
    for root, pattern in (('/usr/lib/postgresql', r'^(\d+)$'), ('/usr/', r'^pgsql-(\d+)$')):
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            match = re.match(pattern, name)
            bindir = os.path.join(root, name, 'bin')
            if match and os.path.isfile(os.path.join(bindir, 'pg_dump')):
                globbed.append((int(match.group(1)), bindir))
    dirs.extend(bindir for _major, bindir in sorted(globbed, reverse=True))
    if os.path.isfile('/usr/local/pgsql/bin/pg_dump'):
        dirs.append('/usr/local/pgsql/bin')
    return dirs


def find_pg_tools(bin_dir=None, min_major=None):
    """{'pg_dump': path, 'pg_restore': path, 'major': int, 'version': str, 'bin_dir': dir}: the newest tools found."""
    dirs = [bin_dir] if bin_dir else candidate_bin_dirs()
    found = []
    for directory in dirs:
        dump, restore = os.path.join(directory, 'pg_dump'), os.path.join(directory, 'pg_restore')
        if os.access(dump, os.X_OK) and os.access(restore, os.X_OK):
            major, version = tool_version(dump)
            found.append((major, version, directory, dump, restore))
    if not found:
        where = bin_dir or 'PATH, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin'
        raise BackupError('pg_dump/pg_restore not found in %s; install the PostgreSQL client (postgresql-client) '
                          'or set bin_dir.' % where)
    found.sort(key=lambda item: item[0], reverse=True)
    major, version, directory, dump, restore = found[0]
    if min_major is not None and major < min_major:
        raise BackupError('pg_dump %s (%s) is older than the PostgreSQL %d server; install client tools >= %d or set '
                          'bin_dir.' % (version, dump, min_major, min_major))
    return dict(pg_dump=dump, pg_restore=restore, major=major, version=version, bin_dir=directory)


class StderrCollector(threading.Thread):
    """Drains a process's stderr (so it can never block on a full pipe), keeping the last `limit` bytes."""

    def __init__(self, stream, limit=64 * 1024):
        super(StderrCollector, self).__init__(daemon=True)
        self.stream, self.limit, self.data = stream, limit, b''

    def run(self):
        try:
            while True:
                chunk = self.stream.read(8192)
                if not chunk:
                    break
                self.data = (self.data + chunk)[-self.limit:]
        except (OSError, ValueError):
            pass

    def text(self, timeout=10):
        self.join(timeout)
        return self.data.decode('utf-8', 'replace')


def enlarge_pipe(stream, size=MIB):
    """Best effort: a 1 MiB pipe (Linux F_SETPIPE_SZ) so the tool never stalls on a 64 KiB pipe while we hash/upload."""
    try:
        import fcntl
        fcntl.fcntl(stream.fileno(), getattr(fcntl, 'F_SETPIPE_SZ', 1031), size)
    except (ImportError, OSError, ValueError, AttributeError):
        pass


def stop_process(proc, grace=10):
    """Terminate a child we started (TERM, then KILL) and reap it."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except OSError:
        pass


class HashingReader(object):
    """Reads a pipe in parts of at most `part_size` bytes, computing sha256 and size as it goes."""

    def __init__(self, stream):
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.eof = False

    def read_part(self, part_size):
        chunks, got = [], 0
        while got < part_size:
            chunk = self.stream.read(min(READ_CHUNK, part_size - got))
            if not chunk:
                self.eof = True
                break
            chunks.append(chunk)
            got += len(chunk)
        data = b''.join(chunks)
        del chunks
        self.sha256.update(data)
        self.size += len(data)
        return data

    def hexdigest(self):
        return self.sha256.hexdigest()


# --------------------------------------------------------------------------------------------------
# Destinations
# --------------------------------------------------------------------------------------------------

class S3Store(object):
    kind = 's3'

    def __init__(self, client, bucket, prefix, endpoint_url, abort_delays=(0, 1, 2, 4, 8, 15)):
        self.client, self.bucket, self.prefix, self.endpoint_url = client, bucket, normalize_prefix(prefix), endpoint_url
        self.abort_delays = abort_delays

    def key(self, filename):
        return join_key(self.prefix, filename)

    def location(self, filename):
        return 's3://%s/%s' % (self.bucket, self.key(filename))

    def _error(self, exc, action, **details):
        return BackupError(describe_s3_error(exc, self.endpoint_url, action=action), **details)

    def ensure(self, create=False, check_mode=False):
        """True if the bucket had to be created (or would be, in check mode)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if not is_not_found(exc):
                raise self._error(exc, 'Checking bucket %s' % self.bucket)
        except BotoCoreError as exc:
            raise self._error(exc, 'Checking bucket %s' % self.bucket)
        if not create:
            raise BackupError('Bucket %s does not exist at %s; create it or set create_bucket=true.'
                              % (self.bucket, self.endpoint_url))
        if not check_mode:
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, 'Creating bucket %s' % self.bucket)
        return True

    def list_files(self):
        """{filename: {'size', 'etag', 'modified'}} directly under the prefix."""
        files = {}
        base = self.prefix + '/' if self.prefix else ''
        try:
            paginator = self.client.get_paginator('list_objects_v2')
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base, Delimiter='/'):
                for obj in page.get('Contents', []):
                    files[obj['Key'][len(base):]] = {'size': obj['Size'], 'etag': normalize_etag(obj.get('ETag')),
                                                     'modified': obj.get('LastModified')}
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Listing s3://%s/%s' % (self.bucket, base))
        return files

    def pending_uploads(self):
        """Incomplete multipart uploads of backup dumps under the prefix (not objects, never listed as good)."""
        base = self.prefix + '/' if self.prefix else ''
        pending = []
        try:
            paginator = self.client.get_paginator('list_multipart_uploads')
            for page in paginator.paginate(Bucket=self.bucket, Prefix=base):
                for upload in page.get('Uploads', []) or []:
                    filename = upload['Key'][len(base):]
                    if '/' in filename or not split_backup_filename(filename):
                        continue
                    pending.append({'file': filename, 'upload_id': upload['UploadId'],
                                    'initiated': isoformat(upload['Initiated']) if upload.get('Initiated') else None})
        except (ClientError, BotoCoreError):
            return []  # informative only; some gateways restrict this listing
        return pending

    def stat(self, filename):
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(filename))
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise self._error(exc, 'Reading %s' % self.location(filename))
        except BotoCoreError as exc:
            raise self._error(exc, 'Reading %s' % self.location(filename))
        return {'size': head['ContentLength'], 'etag': normalize_etag(head.get('ETag'))}

    def read_small(self, filename):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(filename))['Body'].read()
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Reading %s' % self.location(filename))

    def write_small(self, filename, data):
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(filename), Body=data,
                                   ContentType='application/json')
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Writing %s' % self.location(filename))

    def iter_chunks(self, filename, etag=None, chunk_size=READ_CHUNK):
        kwargs = dict(Bucket=self.bucket, Key=self.key(filename))
        if etag:
            kwargs['IfMatch'] = '"%s"' % normalize_etag(etag)
        try:
            body = self.client.get_object(**kwargs)['Body']
            while True:
                data = body.read(chunk_size)
                if not data:
                    break
                yield data
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Downloading %s' % self.location(filename))

    def delete(self, filenames):
        for filename in filenames:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=self.key(filename))
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, 'Deleting %s' % self.location(filename))

    def _upload_part(self, key, upload_id, number, data):
        response = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                           Body=data)
        part = {'PartNumber': number, 'ETag': response['ETag']}
        part.update((k, v) for k, v in response.items() if k.startswith('Checksum') and k != 'ChecksumType')
        return part

    def abort(self, key, upload_id):
        """Abort a multipart upload, retrying through a short outage. (True, None) or (False, error)."""
        last = None
        for delay in self.abort_delays:
            time.sleep(delay)
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                return True, None
            except ClientError as exc:
                if exc.response.get('Error', {}).get('Code') == 'NoSuchUpload':
                    return True, None
                last = exc
            except BotoCoreError as exc:
                last = exc
        return False, last

    def upload_stream(self, filename, read_part, part_size, before_complete=None, max_in_flight=2):
        """Multipart upload of what read_part() returns, with at most `max_in_flight` parts in memory being sent.

        before_complete() runs after the last part is sent and before CompleteMultipartUpload; it raises to
        refuse completion (pg_dump failed). On any failure the upload is aborted: no object appears.
        """
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        key = self.key(filename)
        try:
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType='application/octet-stream')['UploadId']
        except (ClientError, BotoCoreError) as exc:
            raise self._error(exc, 'Starting the upload of %s' % self.location(filename))
        executor = ThreadPoolExecutor(max_workers=max_in_flight)
        pending, parts, number = {}, [], 0

        def collect(done):
            for future in done:
                num = pending.pop(future)
                try:
                    parts.append(future.result())
                except (ClientError, BotoCoreError) as exc:
                    raise self._error(exc, 'Uploading part %d of %s' % (num, self.location(filename)))

        try:
            while True:
                while len(pending) >= max_in_flight:
                    done = wait(list(pending), return_when=FIRST_COMPLETED).done
                    collect(done)
                data = read_part(part_size)
                if not data and number > 0:
                    break
                number += 1
                if number > S3_MAX_PARTS:
                    raise BackupError('The dump exceeds %d parts of %d MiB (the S3 limit); raise part_size_mb.'
                                      % (S3_MAX_PARTS, part_size // MIB))
                pending[executor.submit(self._upload_part, key, upload_id, number, data)] = number
                short = len(data) < part_size
                del data
                if short:
                    break
            if pending:
                done = wait(list(pending)).done
                collect(done)
            if before_complete is not None:
                before_complete()
            parts.sort(key=lambda p: p['PartNumber'])
            try:
                response = self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={'Parts': parts})
            except (ClientError, BotoCoreError) as exc:
                raise self._error(exc, 'Completing the upload of %s' % self.location(filename))
            return {'etag': normalize_etag(response.get('ETag')), 'parts': len(parts), 'upload_id': upload_id}
        except BaseException as exc:
            for future in pending:
                future.cancel()
            executor.shutdown(wait=True)
            aborted, abort_error = self.abort(key, upload_id)
            detail = dict(upload_id=upload_id, multipart_aborted=aborted)
            if not aborted:
                detail['abort_error'] = describe_s3_error(abort_error, self.endpoint_url, action='Aborting the upload')
            if isinstance(exc, BackupError):
                exc.details.update(detail)
                if not aborted:
                    exc.message += (' The incomplete multipart upload %s of %s could not be aborted (%s); it is not a '
                                    'visible object, abort it later or let a bucket lifecycle rule '
                                    '(AbortIncompleteMultipartUpload) remove it.'
                                    % (upload_id, key, detail['abort_error']))
            else:
                setattr(exc, 'upload_details', detail)
            raise
        finally:
            executor.shutdown(wait=False)


class DirectoryStore(object):
    kind = 'directory'

    def __init__(self, path):
        self.path = path

    def location(self, filename):
        return os.path.join(self.path, filename)

    def ensure(self, create=False, check_mode=False):
        if os.path.isdir(self.path):
            return False
        if os.path.exists(self.path):
            raise BackupError('%s exists and is not a directory.' % self.path)
        if not create:
            raise BackupError('Directory %s does not exist.' % self.path)
        if not check_mode:
            try:
                os.makedirs(self.path, 0o700)
            except OSError as exc:
                raise BackupError('Cannot create directory %s: %s.' % (self.path, exc.strerror))
        return True

    def list_files(self):
        files = {}
        try:
            with os.scandir(self.path) as entries:
                for entry in entries:
                    if entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        files[entry.name] = {'size': st.st_size, 'etag': None,
                                             'modified': datetime.datetime.fromtimestamp(st.st_mtime,
                                                                                         datetime.timezone.utc)}
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return {}
            raise BackupError('Cannot list %s: %s.' % (self.path, exc.strerror))
        return files

    def pending_uploads(self):
        return []

    def stat(self, filename):
        try:
            st = os.stat(self.location(filename))
        except OSError:
            return None
        return {'size': st.st_size, 'etag': None}

    def read_small(self, filename):
        try:
            with open(self.location(filename), 'rb') as handle:
                return handle.read()
        except OSError as exc:
            raise BackupError('Cannot read %s: %s.' % (self.location(filename), exc.strerror))

    def _open_partial(self, filename):
        partial = self.location(filename) + PARTIAL_SUFFIX
        try:
            return partial, os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise BackupError('Cannot create %s: %s.' % (partial, exc.strerror))

    def _commit(self, partial, fd, filename):
        os.fsync(fd)
        os.close(fd)
        os.rename(partial, self.location(filename))
        fsync_dir(self.path, strict=True)

    def write_small(self, filename, data):
        partial, fd = self._open_partial(filename)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            self._commit(partial, fd, filename)
        except BaseException:
            _silent_close_unlink(fd, partial)
            raise

    def iter_chunks(self, filename, etag=None, chunk_size=READ_CHUNK):
        try:
            handle = open(self.location(filename), 'rb')
        except OSError as exc:
            raise BackupError('Cannot read %s: %s.' % (self.location(filename), exc.strerror))
        with handle:
            while True:
                data = handle.read(chunk_size)
                if not data:
                    break
                yield data

    def delete(self, filenames):
        for filename in filenames:
            try:
                os.unlink(self.location(filename))
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise BackupError('Cannot delete %s: %s.' % (self.location(filename), exc.strerror))
        fsync_dir(self.path, strict=True)

    def upload_stream(self, filename, read_part, part_size, before_complete=None, max_in_flight=2):
        partial, fd = self._open_partial(filename)
        parts = 0
        try:
            while True:
                data = read_part(part_size)
                if data:
                    parts += 1
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    del view
                if len(data) < part_size:
                    break
            if before_complete is not None:
                before_complete()
            self._commit(partial, fd, filename)
            return {'etag': None, 'parts': None, 'partial_file': None}
        except OSError as exc:
            _silent_close_unlink(fd, partial)
            raise BackupError('Writing %s failed: %s; nothing was kept.' % (partial, exc.strerror))
        except BaseException:
            _silent_close_unlink(fd, partial)
            raise


def _silent_close_unlink(fd, path):
    try:
        os.close(fd)
    except OSError:
        pass
    try:
        os.unlink(path)
    except OSError:
        pass


# --------------------------------------------------------------------------------------------------
# Database inspection
# --------------------------------------------------------------------------------------------------

_USER_TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""

_NON_EMPTY_SQL = """
SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%')
     + (SELECT count(*) FROM pg_catalog.pg_namespace
        WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public')
          AND nspname NOT LIKE 'pg\\_toast%%' AND nspname NOT LIKE 'pg\\_temp\\_%%')
"""


def table_key(schema, table):
    return '%s.%s' % (schema, table)


def count_rows(connection, parallel=True):
    """{'schema.table': exact row count} of every ordinary user table (leaf partitions; not extension tables).

    parallel=False keeps each count on one core (used while pg_dump runs, so they do not compete).
    """
    if not parallel:
        connection.execute('SET LOCAL max_parallel_workers_per_gather = 0')
    tables = connection.execute(_USER_TABLES_SQL).fetchall()
    counts = {}
    for schema, table in tables:
        query = sql.SQL('SELECT count(*) FROM ONLY {}.{}').format(sql.Identifier(schema), sql.Identifier(table))
        counts[table_key(schema, table)] = connection.execute(query).fetchone()[0]
    return counts


def polaris_entity_counts(connection):
    """Polaris catalog entities by type, or None when the database has no polaris_schema.entities."""
    present = connection.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND column_name = 'type_code'", (POLARIS_SCHEMA, POLARIS_ENTITIES)).fetchone()[0]
    if not present:
        return None
    rows = connection.execute(sql.SQL('SELECT type_code, count(*) FROM {}.{} GROUP BY type_code ORDER BY type_code')
                              .format(sql.Identifier(POLARIS_SCHEMA), sql.Identifier(POLARIS_ENTITIES))).fetchall()
    by_code = dict((str(code), int(count)) for code, count in rows)
    by_type = dict((POLARIS_ENTITY_TYPES.get(int(code), 'TYPE_%s' % code), count) for code, count in by_code.items())
    return {'total': sum(by_code.values()), 'by_type_code': by_code, 'by_type': by_type}


# --------------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------------

class MetastoreBackup(object):
    """backup/restore/verify (metastore_backup) and list (metastore_backup_info) over one destination. Each handler returns (changed, result)."""

    def __init__(self, params, store, check_mode=False, warn=None):
        self.params = params
        self.store = store
        self.check_mode = check_mode
        self.conn = pg_connection_params(params)
        self.commands = []
        self.warn = warn or (lambda msg: None)
        self._tools = None

    # ---- helpers
    def tools(self, min_major=None):
        if self._tools is None:
            self._tools = find_pg_tools(self.params.get('bin_dir'), min_major=min_major)
        elif min_major is not None and self._tools['major'] < min_major:
            raise BackupError('pg_dump %s is older than the PostgreSQL %d server; set bin_dir to newer client tools.'
                              % (self._tools['version'], min_major))
        return self._tools

    def connect(self, database, autocommit=True):
        return pg_connect(self.conn, database, autocommit=autocommit)

    def maintenance(self):
        return self.connect(self.params.get('maintenance_database') or 'postgres')

    def inventory(self, database=None, checksums=False):
        """(good, invalid): good backups newest first (with manifests) and everything that is not a good backup.

        Good means: valid manifest, dump present with the manifest's size (and S3 ETag); with checksums=True
        every dump is also read and its sha256 compared.
        """
        files = self.store.list_files()
        names = {}
        invalid = []
        for filename, info in files.items():
            split = split_backup_filename(filename)
            if not split:
                continue
            name, kind = split
            names.setdefault(name, {})[kind] = dict(info, file=filename)
        good = []
        for name in sorted(names, reverse=True):
            entry = names[name]
            slug, when = parse_backup_name(name)
            item = {'name': name, 'timestamp': when}
            for kind in ('dump.partial', 'manifest.partial'):
                if kind in entry:
                    invalid.append(dict(name=name, database=slug, file=entry[kind]['file'],
                                        reason='partial file of an interrupted backup'))
            if 'manifest' not in entry:
                if 'dump' in entry:
                    invalid.append(dict(name=name, database=slug, file=entry['dump']['file'],
                                        reason='dump without manifest (incomplete or interrupted backup)'))
                continue
            try:
                manifest = json.loads(self.store.read_small(name + MANIFEST_SUFFIX).decode('utf-8'))
            except ValueError as exc:
                invalid.append(dict(name=name, database=slug, file=name + MANIFEST_SUFFIX,
                                    reason='unreadable manifest: %s' % exc))
                continue
            problem = check_backup(manifest, entry.get('dump'), name=name)
            db = manifest.get('database', slug) if isinstance(manifest, dict) else slug
            if problem:
                invalid.append(dict(name=name, database=db, file=name + MANIFEST_SUFFIX, reason=problem))
                continue
            item.update(manifest=manifest, database=manifest['database'])
            good.append(item)
        for upload in self.store.pending_uploads():
            split = split_backup_filename(upload['file'])
            invalid.append(dict(name=split[0], database=parse_backup_name(split[0])[0], file=upload['file'],
                                reason='incomplete multipart upload %s (initiated %s)'
                                % (upload['upload_id'], upload['initiated'])))
        if database:
            slug = sanitize_database_name(database)
            good = [b for b in good if b['database'] == database]
            invalid = [i for i in invalid if i.get('database') in (database, slug)]
        if checksums:
            verified = []
            for backup in good:
                try:
                    self.checksum(backup)
                    verified.append(backup)
                except BackupError as exc:
                    invalid.append(dict(name=backup['name'], database=backup['database'],
                                        file=backup['name'] + DUMP_SUFFIX,
                                        reason='sha256 or size of the dump does not match the manifest (corrupt): %s'
                                        % exc.message))
            good = verified
        good.sort(key=lambda b: (b['timestamp'], b['name']), reverse=True)
        return good, invalid

    def describe(self, backup, now=None):
        manifest = backup['manifest']
        now = now or utcnow()
        return {
            'name': backup['name'],
            'database': manifest['database'],
            'started_at': manifest['started_at'],
            'finished_at': manifest['finished_at'],
            'age_days': round((now - backup['timestamp']).total_seconds() / 86400.0, 4),
            'size': manifest['dump']['size'],
            'sha256': manifest['dump']['sha256'],
            'location': self.store.location(backup['name'] + DUMP_SUFFIX),
            'manifest_location': self.store.location(backup['name'] + MANIFEST_SUFFIX),
            'manifest': manifest,
        }

    def choose(self, database=None, name=None):
        good, invalid = self.inventory(database)
        if name:
            for backup in good:
                if backup['name'] == name:
                    return backup
            for item in invalid:
                if item['name'] == name:
                    raise BackupError('Backup %s is not usable: %s.' % (name, item['reason']), invalid=[item])
            raise BackupError('Backup %s not found at %s.' % (name, self.store.location('')))
        if not good:
            raise BackupError('No good backup%s found at %s (%d invalid).'
                              % (' of database %s' % database if database else '', self.store.location(''),
                                 len(invalid)), invalid=invalid)
        return good[0]

    def checksum(self, backup):
        """Read the whole dump and compare size and sha256 with the manifest (raises on mismatch)."""
        manifest = backup['manifest']
        digest, size = hashlib.sha256(), 0
        for chunk in self.store.iter_chunks(backup['name'] + DUMP_SUFFIX, etag=manifest['dump'].get('etag')):
            digest.update(chunk)
            size += len(chunk)
        if size != manifest['dump']['size'] or digest.hexdigest() != manifest['dump']['sha256']:
            raise BackupError('Checksum mismatch for backup %s: the stored dump (%d bytes, sha256 %s) does not match '
                              'its manifest (%d bytes, sha256 %s); the backup is corrupt, nothing was restored.'
                              % (backup['name'], size, digest.hexdigest(), manifest['dump']['size'],
                                 manifest['dump']['sha256']), checksum_ok=False)
        return digest.hexdigest()

    def server_info(self, connection):
        row = connection.execute(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int, "
            "pg_catalog.pg_get_userbyid(d.datdba), pg_catalog.pg_encoding_to_char(d.encoding), current_user, "
            "(SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) "
            "FROM pg_catalog.pg_database d WHERE d.datname = current_database()").fetchone()
        return dict(server_version=row[0].split()[0], server_version_num=row[1], owner=row[2], encoding=row[3],
                    current_user=row[4], superuser=bool(row[5]))

    # ---- listing (the metastore_backup_info module)
    def handle_list(self):
        good, invalid = self.inventory(self.params.get('database'), checksums=self.params.get('verify_checksums'))
        now = utcnow()
        return False, dict(backups=[self.describe(b, now) for b in good], invalid=invalid,
                           destination=self.store.location(''))

    # ---- state: backup
    def handle_backup(self):
        params = self.params
        database = params['database']
        bucket_created = self.store.ensure(create=True if self.store.kind == 'directory'
                                           else params.get('create_bucket'), check_mode=self.check_mode)
        started = utcnow()
        clock = time.time()
        timings = {}
        name = backup_name(database, started)
        dump_file, manifest_file = name + DUMP_SUFFIX, name + MANIFEST_SUFFIX

        # Connect first: a wrong password fails here, before anything is written.
        connection = self.connect(database, autocommit=False)
        proc = collector = counter = None
        try:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            info = self.server_info(connection)
            tools = self.tools(min_major=info['server_version_num'] // 10000)
            if self.check_mode:
                good = [] if bucket_created else self.inventory(database)[0]
                good.insert(0, {'name': name, 'timestamp': started})
                keep, delete = select_retention(good, params.get('keep_last'), params.get('keep_days'),
                                                now=started, protect=(name,))
                return True, dict(backup=dict(name=name, location=self.store.location(dump_file)),
                                  retention=dict(kept=keep, deleted=delete), bucket_created=bucket_created,
                                  commands=[], pg_dump_version=tools['version'])
            snapshot = connection.execute('SELECT pg_catalog.pg_export_snapshot()').fetchone()[0]
            argv = pg_tool_argv(tools['pg_dump'], self.conn, database)
            argv[1:1] = ['--format=custom', '--snapshot=%s' % snapshot]
            if params.get('compression_level') is not None:
                argv.insert(2, '--compress=%d' % params['compression_level'])
            self.commands.append(quote_command(argv))
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env=pg_env(self.conn), bufsize=0, close_fds=True)
            except OSError as exc:
                raise BackupError('Cannot start %s: %s.' % (tools['pg_dump'], exc.strerror))
            enlarge_pipe(proc.stdout)
            collector = StderrCollector(proc.stderr)
            collector.start()

            # Row counts in the very snapshot pg_dump uses, while it runs.
            counts = {}

            def count():
                try:
                    counts['tables'] = count_rows(connection, parallel=False)
                    counts['polaris'] = polaris_entity_counts(connection)
                except Exception as exc:  # reported after the dump, never lost
                    counts['error'] = exc

            counter = threading.Thread(target=count, daemon=True)
            counter.start()
            reader = HashingReader(proc.stdout)

            def before_complete():
                returncode = proc.wait()
                if returncode != 0:
                    raise BackupError(describe_tool_failure('pg_dump', returncode, collector.text(), self.conn,
                                                            database) + ' No backup was written; nothing was deleted.',
                                      pg_dump_rc=returncode, stderr_lines=collector.text().splitlines()[-20:])
                counter.join()
                if 'error' in counts:
                    raise BackupError(describe_pg_error(counts['error'], self.conn, database,
                                                        action='Counting rows for the manifest')
                                      + ' No backup was written; nothing was deleted.')

            part_size = params.get('part_size_mb', 8) * MIB
            timings['prepare'] = round(time.time() - clock, 3)
            clock = time.time()
            try:
                stored = self.store.upload_stream(dump_file, reader.read_part, part_size, before_complete=before_complete)
            except BackupError as exc:
                if proc.poll() not in (None, 0):
                    exc.details.setdefault('pg_dump_rc', proc.returncode)
                    exc.details.setdefault('stderr_lines', collector.text(timeout=1).splitlines()[-20:])
                if 'No backup was written' not in exc.message:
                    exc.message += ' No backup was written; nothing was deleted.'
                exc.details['commands'] = self.commands
                raise
            finished = utcnow()
            sha256 = reader.hexdigest()
            timings['dump_and_upload'] = round(time.time() - clock, 3)
            clock = time.time()

            # The stored object must be what we streamed before the manifest makes it a good backup.
            check = self.store.stat(dump_file)
            expected = {'size': reader.size, 'etag': stored.get('etag')}
            mismatch = check is None or check['size'] != reader.size or (
                stored.get('etag') and check.get('etag') and check['etag'] != stored['etag'])
            if not mismatch and params.get('verify_written') == 'sha256':
                digest = hashlib.sha256()
                for chunk in self.store.iter_chunks(dump_file, etag=stored.get('etag')):
                    digest.update(chunk)
                mismatch = digest.hexdigest() != sha256
            if mismatch:
                self.store.delete([dump_file])
                raise BackupError('The stored dump %s does not match what was streamed (%s vs %s); it was removed and '
                                  'no backup was written.' % (self.store.location(dump_file), check, expected))

            # Ceph RGW 16.2 answers CompleteMultipartUpload with an empty ETag: record the stored one (HEAD).
            manifest = build_manifest(
                name=name, database=database, started_at=started, finished_at=finished, dump_file=dump_file,
                size=reader.size, sha256=sha256, etag=stored.get('etag') or check.get('etag'), parts=stored.get('parts'),
                server_version=info['server_version'], server_version_num=info['server_version_num'],
                pg_dump_version=tools['version'], tables=counts.get('tables', {}),
                polaris_entities=counts.get('polaris'), owner=info['owner'], encoding=info['encoding'],
                source={'host': self.conn.get('host'), 'port': self.conn.get('port'), 'user': self.conn.get('user')},
                compression_level=params.get('compression_level'))
            try:
                self.store.write_small(manifest_file, json.dumps(manifest, indent=2, sort_keys=True).encode('utf-8'))
            except BackupError as exc:
                try:
                    self.store.delete([dump_file])
                    exc.message += ' The dump %s was removed; no backup was written; nothing was deleted.' % dump_file
                except BackupError:
                    exc.message += (' The dump %s has no manifest, so it is not a good backup (listed as invalid); '
                                    'nothing was deleted.' % dump_file)
                raise
            stderr_text = collector.text(timeout=1)
            timings['check_and_manifest'] = round(time.time() - clock, 3)
            clock = time.time()
        except psycopg.Error as exc:
            raise BackupError(describe_pg_error(exc, self.conn, database, action='Preparing the backup of %s' % database)
                              + ' No backup was written; nothing was deleted.', commands=self.commands)
        finally:
            if proc is not None:
                stop_process(proc)
                for stream in (proc.stdout, proc.stderr):
                    try:
                        stream.close()
                    except (OSError, ValueError):
                        pass
            if counter is not None and counter.is_alive():
                try:
                    connection.cancel_safe(timeout=5)
                except Exception:
                    pass
            try:
                connection.rollback()
                connection.close()
            except Exception:
                pass

        try:
            retention = self.apply_retention(database, protect=(name,))
        except BackupError as exc:
            raise BackupError('Backup %s was written and is good, but retention failed: %s' % (name, exc.message),
                              backup=dict(name=name, location=self.store.location(dump_file),
                                          manifest_location=self.store.location(manifest_file)),
                              commands=self.commands)
        timings['retention'] = round(time.time() - clock, 3)
        elapsed = (finished - started).total_seconds()
        result = dict(
            backup=dict(name=name, location=self.store.location(dump_file),
                        manifest_location=self.store.location(manifest_file), size=reader.size, sha256=sha256,
                        duration_seconds=round(elapsed, 3),
                        throughput_mb_s=round(reader.size / MIB / elapsed, 2) if elapsed > 0 else None,
                        manifest=manifest),
            retention=retention, bucket_created=bucket_created, commands=self.commands,
            pg_dump_version=tools['version'], timings=timings)
        if stderr_text.strip():
            result['pg_dump_warnings'] = stderr_text.splitlines()[-20:]
        return True, result

    def apply_retention(self, database, protect=()):
        """Delete good backups of `database` beyond keep_last/keep_days (manifest first, then dump)."""
        keep_last, keep_days = self.params.get('keep_last'), self.params.get('keep_days')
        if keep_last is None and keep_days is None:
            return dict(kept=None, deleted=[])
        good, _invalid = self.inventory(database)
        keep, delete = select_retention(good, keep_last, keep_days, protect=protect)
        for name in delete:
            # Manifest first: an interrupted deletion leaves a dump without manifest (listed as invalid),
            # never a manifest that points at nothing.
            self.store.delete([name + MANIFEST_SUFFIX])
            self.store.delete([name + DUMP_SUFFIX])
        return dict(kept=keep, deleted=delete)

    # ---- restore plumbing
    def check_restore_tools(self, manifest):
        tools = self.tools()
        if tools['major'] < int(manifest['pg_dump_version'].split('.')[0]):
            raise BackupError('pg_restore %s cannot read a dump written by pg_dump %s; set bin_dir to newer client '
                              'tools.' % (tools['version'], manifest['pg_dump_version']))
        return tools

    def pg_restore_stream(self, backup, database, no_owner=False, no_privileges=False):
        """Stream a backup into pg_restore --dbname database (the checksum is re-checked while streaming)."""
        tools = self.tools()
        argv = pg_tool_argv(tools['pg_restore'], self.conn, database)
        argv[1:1] = ['--exit-on-error']
        if no_owner:
            argv.insert(2, '--no-owner')
        if no_privileges:
            argv.insert(2, '--no-privileges')
        self.commands.append(quote_command(argv) + ' < ' + self.store.location(backup['name'] + DUMP_SUFFIX))
        manifest = backup['manifest']
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    env=pg_env(self.conn), close_fds=True)
        except OSError as exc:
            raise BackupError('Cannot start %s: %s.' % (tools['pg_restore'], exc.strerror))
        enlarge_pipe(proc.stdin)
        collector = StderrCollector(proc.stderr)
        collector.start()
        digest, size, broken = hashlib.sha256(), 0, False
        try:
            for chunk in self.store.iter_chunks(backup['name'] + DUMP_SUFFIX, etag=manifest['dump'].get('etag')):
                digest.update(chunk)
                size += len(chunk)
                try:
                    proc.stdin.write(chunk)
                except (BrokenPipeError, OSError):
                    broken = True
                    break
            try:
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                broken = True
            returncode = proc.wait()
        finally:
            stop_process(proc)
        stderr = collector.text()
        if returncode != 0 or broken:
            raise BackupError(describe_tool_failure('pg_restore', returncode, stderr, self.conn, database)
                              + ' Restoring %s into %s failed.' % (backup['name'], database),
                              pg_restore_rc=returncode, stderr_lines=stderr.splitlines()[-20:])
        if size != manifest['dump']['size'] or digest.hexdigest() != manifest['dump']['sha256']:
            raise BackupError('Checksum mismatch while restoring %s: the dump changed since it was verified.'
                              % backup['name'], checksum_ok=False)
        return stderr

    def database_state(self, admin, database):
        """None if the database does not exist, else the number of user objects in it."""
        exists = admin.execute('SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s', (database,)).fetchone()
        if not exists:
            return None
        target = self.connect(database)
        try:
            return target.execute(_NON_EMPTY_SQL).fetchone()[0]
        finally:
            target.close()

    def create_database(self, admin, database, encoding=None, owner=None):
        query = sql.SQL('CREATE DATABASE {} TEMPLATE template0').format(sql.Identifier(database))
        if encoding:
            query += sql.SQL(' ENCODING {}').format(sql.Literal(encoding))
        if owner:
            query += sql.SQL(' OWNER {}').format(sql.Identifier(owner))
        try:
            admin.execute(query)
        except psycopg.Error as exc:
            raise BackupError(describe_pg_error(exc, self.conn, database, action='Creating database %s' % database))

    def drop_database(self, admin, database):
        version = admin.info.server_version
        if version >= 130000:
            query = sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(database))
        else:
            admin.execute('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity '
                          'WHERE datname = %s AND pid <> pg_catalog.pg_backend_pid()', (database,))
            query = sql.SQL('DROP DATABASE IF EXISTS {}').format(sql.Identifier(database))
        admin.execute(query)

    def scratch_name(self, base, tag):
        return '%s_%s_%s' % (sanitize_database_name(base).replace('.', '_').replace('-', '_')[:40].lower(), tag,
                             uuid.uuid4().hex[:8])

    def restore_owner(self, admin, manifest):
        """Owner for the restored database: target_owner, else the source's owner if it exists and is grantable."""
        explicit = self.params.get('target_owner')
        wanted = explicit or manifest.get('owner')
        if not wanted:
            return None
        row = admin.execute('SELECT r.oid, (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) '
                            'FROM pg_catalog.pg_roles r WHERE r.rolname = %s', (wanted,)).fetchone()
        allowed = bool(row) and (row[1] or admin.execute(
            "SELECT pg_catalog.pg_has_role(current_user, %s::oid, 'MEMBER')", (row[0],)).fetchone()[0])
        if allowed:
            return wanted
        if explicit:
            raise BackupError('target_owner %s does not exist or user %s is not a member of it.'
                              % (wanted, self.conn.get('user')))
        self.warn('The restored database is owned by %s: %s (owner of the source) does not exist here or is not '
                  'grantable by this user.' % (self.conn.get('user'), wanted))
        return None

    # ---- state: restore
    def handle_restore(self):
        params = self.params
        target = params['target_database']
        backup = self.choose(params.get('database'), params.get('name'))
        manifest = backup['manifest']
        admin = self.maintenance()
        try:
            state = self.database_state(admin, target)
            is_source = target == manifest['database']
            if state is not None and not params.get('force'):
                if is_source:
                    raise BackupError('Refusing to restore over %s: it is the database this backup was taken from; '
                                      'set force=true to replace it.' % target, target_objects=state)
                if state:
                    raise BackupError('Refusing to restore into %s: it is not empty (%d objects); use an empty or new '
                                      'database, or set force=true to replace it.' % (target, state),
                                      target_objects=state)
            result = dict(backup=self.describe(backup), target_database=target, created=state is None,
                          replaced=state is not None, commands=self.commands)
            if self.check_mode:
                return True, result
            timings = result['timings'] = {}
            clock = time.time()
            self.checksum(backup)
            result['checksum_ok'] = True
            timings['checksum'] = round(time.time() - clock, 3)
            clock = time.time()
            self.check_restore_tools(manifest)
            owner = self.restore_owner(admin, manifest)
            staging = self.scratch_name(target, 'mbrestore')
            self.create_database(admin, staging, encoding=manifest.get('encoding'), owner=owner)
            try:
                warnings = self.pg_restore_stream(backup, staging, no_owner=params.get('no_owner'))
                timings['create_and_restore'] = round(time.time() - clock, 3)
                clock = time.time()
                if params.get('check_row_counts'):
                    check = self.connect(staging)
                    try:
                        mismatches = compare_counts(manifest['tables'], count_rows(check),
                                                    manifest.get('polaris_entities'), polaris_entity_counts(check))
                    finally:
                        check.close()
                    if mismatches:
                        raise BackupError('Row counts of the restored database differ from the manifest of %s; the '
                                          'target was left untouched.' % backup['name'], mismatches=mismatches)
                    result['row_counts_ok'] = True
                    timings['row_counts'] = round(time.time() - clock, 3)
                    clock = time.time()
                if state is not None:
                    self.drop_database(admin, target)
                admin.execute(sql.SQL('ALTER DATABASE {} RENAME TO {}').format(
                    sql.Identifier(staging), sql.Identifier(target)))
                timings['swap'] = round(time.time() - clock, 3)
            except BaseException:
                try:
                    self.drop_database(admin, staging)
                except Exception:
                    pass
                raise
            if warnings.strip():
                result['pg_restore_warnings'] = warnings.splitlines()[-20:]
            return True, result
        except psycopg.Error as exc:
            raise BackupError(describe_pg_error(exc, self.conn, target, action='Restoring into %s' % target),
                              commands=self.commands)
        finally:
            admin.close()

    # ---- state: verify
    def handle_verify(self):
        params = self.params
        backup = self.choose(params.get('database'), params.get('name'))
        manifest = backup['manifest']
        result = dict(backup=self.describe(backup), commands=self.commands)
        self.checksum(backup)
        report = dict(checksum_ok=True)
        result['verify'] = report
        if self.check_mode:
            report.update(ok=True, restored=False)
            return False, result
        self.check_restore_tools(manifest)
        admin = self.maintenance()
        scratch = params.get('scratch_database') or self.scratch_name(manifest['database'], 'mbverify')
        result['scratch_database'] = scratch
        created = False
        try:
            if self.database_state(admin, scratch) is not None:
                raise BackupError('Scratch database %s already exists; choose another scratch_database (it is never '
                                  'dropped unless this module created it).' % scratch)
            self.create_database(admin, scratch, encoding=manifest.get('encoding'))
            created = True
            started = time.time()
            self.pg_restore_stream(backup, scratch, no_owner=True, no_privileges=True)
            report['restore_seconds'] = round(time.time() - started, 3)
            check = self.connect(scratch)
            try:
                tables, polaris = count_rows(check), polaris_entity_counts(check)
            finally:
                check.close()
            mismatches = compare_counts(manifest['tables'], tables, manifest.get('polaris_entities'), polaris)
            report.update(ok=not mismatches, restored=True, tables_checked=len(manifest['tables']),
                          rows_checked=sum(manifest['tables'].values()), mismatches=mismatches,
                          polaris_entities=polaris)
        except psycopg.Error as exc:
            raise BackupError(describe_pg_error(exc, self.conn, scratch, action='Verifying into %s' % scratch),
                              commands=self.commands)
        finally:
            if created:
                try:
                    self.drop_database(admin, scratch)
                    report['scratch_dropped'] = True
                except psycopg.Error as exc:
                    report['scratch_dropped'] = False
                    self.warn('Could not drop scratch database %s: %s' % (scratch, exc))
            admin.close()
        if report['mismatches']:
            raise BackupError('Backup %s does not restore to what its manifest recorded: %d difference(s), first: %s.'
                              % (backup['name'], len(report['mismatches']), report['mismatches'][0]), **result)
        return False, result
