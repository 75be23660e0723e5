# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streamed, verifiable pg_dump backups of the metastore database (to S3 or a directory): backup, restore,
verify and list (MetastoreBackup), with the row and Polaris entity counts a manifest records.

Used by the metastore_backup and metastore_backup_info modules (run_backup, run_list). The layout of a backup
is described in backup/names.py; PostgreSQL is reached through the postgresql package.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import signal
import subprocess
import threading
import time
import uuid

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.counts import (
    compare_counts,
    compare_hive_metastore,
    count_rows,
    hive_metastore_entities,
    polaris_entity_counts,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.errors import BackupError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.names import (
    DUMP_SUFFIX,
    MANIFEST_SUFFIX,
    backup_name,
    build_manifest,
    check_backup,
    parse_backup_name,
    sanitize_database_name,
    select_retention,
    split_backup_filename,
    utcnow,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.backup.stores import MIB, HashingReader
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.connection import (
    pg_connect,
    pg_connection_params,
    pg_env,
    pg_tool_argv,
    psycopg,
    quote_command,
    sql,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import (
    describe_pg_error,
    describe_tool_failure,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.tools import (
    StderrCollector,
    enlarge_pipe,
    find_pg_tools,
    stop_process,
)

APPLICATION_NAME = 'dataplatform.lakehouse.metastore_backup'


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


_NON_EMPTY_SQL = """
SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%')
     + (SELECT count(*) FROM pg_catalog.pg_namespace
        WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public')
          AND nspname NOT LIKE 'pg\\_toast%%' AND nspname NOT LIKE 'pg\\_temp\\_%%')
"""


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
            self._tools = find_pg_tools(self.params.get('bin_dir'), min_major=min_major, error=BackupError)
        elif min_major is not None and self._tools['major'] < min_major:
            raise BackupError('pg_dump %s is older than the PostgreSQL %d server; set bin_dir to newer client tools.'
                              % (self._tools['version'], min_major))
        return self._tools

    def connect(self, database, autocommit=True):
        return pg_connect(self.conn, database, autocommit=autocommit, application_name=APPLICATION_NAME,
                          error=BackupError)

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
                                        env=pg_env(self.conn, application_name=APPLICATION_NAME), bufsize=0,
                                        close_fds=True)
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
                    counts['hive_metastore'] = hive_metastore_entities(connection)
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
                hive_metastore_entities=counts.get('hive_metastore'),
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
                                    env=pg_env(self.conn, application_name=APPLICATION_NAME), close_fds=True)
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
                        if manifest.get('hive_metastore_entities') is not None:
                            mismatches += compare_hive_metastore(manifest['hive_metastore_entities'],
                                                                 hive_metastore_entities(check))
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
                hive = hive_metastore_entities(check) if manifest.get('hive_metastore_entities') is not None else None
            finally:
                check.close()
            mismatches = compare_counts(manifest['tables'], tables, manifest.get('polaris_entities'), polaris)
            if manifest.get('hive_metastore_entities') is not None:
                mismatches += compare_hive_metastore(manifest['hive_metastore_entities'], hive)
            report.update(ok=not mismatches, restored=True, tables_checked=len(manifest['tables']),
                          rows_checked=sum(manifest['tables'].values()), mismatches=mismatches,
                          polaris_entities=polaris)
            if hive is not None:
                report['hive_metastore_entities'] = dict(
                    databases=len(hive['databases']), tables=len(hive['tables']),
                    iceberg_tables=len(hive['iceberg_metadata_locations']), schema_version=hive['schema_version'])
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


# --------------------------------------------------------------------------------------------------
# The modules' entry points (LakehouseModule.run)
# --------------------------------------------------------------------------------------------------

def describe_unexpected(label):
    """For LakehouseModule.run(describe=...): the one line of an unexpected failure of `label`."""
    return lambda exc: '%s failed unexpectedly: %s' % (label, exc)


def run_backup(params, store, check_mode=False, warn=None):
    """metastore_backup: the result of params['state'] (backup, restore, verify) over `store`.

    A failure carries the commands run and the destination; SIGTERM/SIGINT/SIGHUP become a BackupError once the
    clean-up (upload aborted, partial file and scratch database removed) has run.
    """
    backup = MetastoreBackup(params, store, check_mode=check_mode, warn=warn)
    install_interrupt_handlers()
    handler = getattr(backup, 'handle_%s' % params['state'])
    try:
        changed, result = handler()
    except LakehouseError as exc:
        exc.details.setdefault('commands', backup.commands)
        exc.details.setdefault('destination', store.location(''))
        raise
    except Interrupted as exc:
        raise BackupError('metastore_backup %s was %s; an unfinished backup was discarded (no manifest written) '
                          'and nothing was deleted.' % (params['state'], exc), commands=backup.commands,
                          **getattr(exc, 'upload_details', {}))
    result.setdefault('commands', backup.commands)
    result.setdefault('destination', store.location(''))
    return dict(result, changed=changed)


def run_list(params, store, warn=None):
    """metastore_backup_info: the good and invalid backups under `store` (never changes anything)."""
    dummy, result = MetastoreBackup(params, store, warn=warn).handle_list()
    return dict(result, changed=False)
