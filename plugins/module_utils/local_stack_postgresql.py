# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private PostgreSQL cluster for the local stack (Polaris's metadata database).

initdb/pg_ctl under <state_dir>/postgresql, TCP on 127.0.0.1:<port> only, a Unix socket inside the state
dir for administration, scram-sha-256 for TCP logins. PostgreSQL refuses to run as root, so when the stack
runs as root the server runs as an unprivileged account (default `nobody`); that is why the default state
directory for root lives under /var/lib (traversable) rather than /root.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import pwd
import secrets

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, ensure_port_free, live_pid, pid_matches, read_json_file, rss_mib, run, stop_pid, tail, wait_until,
    write_private_file,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import PostgresqlError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.tools import (
    SERVER_TOOLS,
    find_bin_dir,
    tool_version,
)

SERVER_PROCESS = 'postgres'


def find_postgresql_bin_dir(preferred=None):
    """The directory holding initdb/pg_ctl/postgres: `preferred`, else the newest packaged one (postgresql/tools.py).

    PATH is not searched: it may hold links to a few of one version's programs (/usr/local/bin/initdb) without psql.
    """
    return find_bin_dir(SERVER_TOOLS, preferred, search_path=False)


def sql_literal(text):
    """Quote a string as an SQL literal (standard_conforming_strings is on)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(text):
    return '"' + text.replace('"', '""') + '"'


class PostgresqlService(object):
    name = 'postgresql'

    def __init__(self, state_dir, host='127.0.0.1', port=5544, database='polaris', user='polaris',
                 admin_user='lakehouse_admin', bin_dir=None, os_user=None, start_timeout=60, log_lines=20,
                 extra_databases=('iceberg_catalog',)):
        self.state_dir = state_dir
        self.host = host
        self.port = int(port)
        self.database = database
        # More databases owned by the same login, e.g. a PyIceberg SQL catalog beside Polaris's database.
        self.extra_databases = [name for name in (extra_databases or []) if name != database]
        self.user = user
        self.admin_user = admin_user
        self.bin_dir = find_postgresql_bin_dir(bin_dir)
        if os.geteuid() != 0:
            os_user = None  # an ordinary user runs PostgreSQL as itself
        elif not os_user:
            os_user = 'nobody'
        self.os_user = os_user
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        # Normalised like pg_ctl does with -D, so that _pid() finds this very path in the postmaster's argv.
        self.base_dir = os.path.join(os.path.abspath(state_dir), 'postgresql')
        self.data_dir = os.path.join(self.base_dir, 'data')
        self.socket_dir = os.path.join(self.base_dir, 'run')
        self.log_file = os.path.join(state_dir, 'logs', 'postgresql.log')
        self.credentials_file = os.path.join(state_dir, 'credentials', 'postgresql.json')

    # -- helpers ---------------------------------------------------------------------------------------
    def _bin(self, name):
        if not self.bin_dir:
            raise StackError('PostgreSQL server binaries (initdb, pg_ctl) were not found under '
                             '/usr/lib/postgresql/*/bin, /usr/pgsql-*/bin or /usr/local/pgsql/bin; install the '
                             'postgresql package or set local_stack_postgresql_bin_dir.', service=self.name)
        return os.path.join(self.bin_dir, name)

    def _run_as_owner(self, argv, timeout=120, env=None):
        # cwd: the caller's directory (Ansible's temp dir under /root) is not readable by the server's account.
        return run(argv, timeout=timeout, user=self.os_user, env=env, service=self.name, cwd=self.base_dir)

    def _chown(self, path):
        if self.os_user is None:
            return
        entry = pwd.getpwnam(self.os_user)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def _pid(self):
        # Trusted only when the process is a postgres started on our data directory (pg_ctl runs `postgres -D
        # <data_dir>`): a stale postmaster.pid may name another cluster's postmaster or backend after a reboot.
        pid = live_pid(os.path.join(self.data_dir, 'postmaster.pid'), self.data_dir)
        return pid if pid is not None and pid_matches(pid, SERVER_PROCESS) else None

    def load_credentials(self):
        return read_json_file(self.credentials_file)

    def _psql(self, sql, database='postgres', user=None, password=None, tcp=False, timeout=30):
        env = dict(os.environ, PGCONNECT_TIMEOUT='5')
        if password is not None:
            env['PGPASSWORD'] = password
        host = self.host if tcp else self.socket_dir
        argv = [self._bin('psql'), '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', str(self.port),
                '-U', user or self.admin_user, '-d', database, '-c', sql]
        return run(argv, env=env, timeout=timeout, service=self.name).strip()

    # -- API ---------------------------------------------------------------------------------------------
    def query(self, sql, database=None):
        """The unaligned output of one SQL statement run as the administrator (local socket)."""
        return self._psql(sql, database=database or self.database)

    def status(self):
        pid = self._pid()
        result = dict(name=self.name, running=pid is not None, healthy=False, pid=pid,
                      rss_mib=rss_mib(pid) if pid else None, endpoint='postgresql://%s:%d/%s' % (
                          self.host, self.port, self.database), version=None)
        if pid:
            result['healthy'] = self._login_works()
        return result

    def _login_works(self):
        creds = self.load_credentials()
        if not creds:
            return False
        try:
            return self._psql('SELECT 1', database=self.database, user=self.user, password=creds['password'],
                              tcp=True, timeout=10) == '1'
        except StackError:
            return False

    def _initdb(self):
        for path in (self.base_dir, self.socket_dir):
            if not os.path.isdir(path):
                os.makedirs(path, 0o700)
            self._chown(path)
        creds = dict(host=self.host, port=self.port, admin_user=self.admin_user,
                     admin_password=secrets.token_urlsafe(24), database=self.database, user=self.user,
                     password=secrets.token_urlsafe(24))
        # initdb reads the superuser password from a file; it must be readable by the server's OS user and
        # is removed right after.
        pwfile = os.path.join(self.base_dir, '.initdb-pw')
        write_private_file(pwfile, creds['admin_password'] + '\n')
        self._chown(pwfile)
        try:
            self._run_as_owner([self._bin('initdb'), '-D', self.data_dir, '-U', self.admin_user, '-E', 'UTF8',
                                '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256',
                                '--pwfile=' + pwfile], timeout=180)
        finally:
            os.unlink(pwfile)
        settings = [
            "listen_addresses = '%s'" % self.host,
            'port = %d' % self.port,
            "unix_socket_directories = '%s'" % self.socket_dir,
            "password_encryption = 'scram-sha-256'",
            'max_connections = 100',
            'shared_buffers = 128MB',
            "log_line_prefix = '%m [%p] %q%u@%d '",
        ]
        with open(os.path.join(self.data_dir, 'postgresql.conf'), 'a') as handle:
            handle.write('\n# dataplatform.lakehouse local stack\n' + '\n'.join(settings) + '\n')
        write_private_file(self.credentials_file, json.dumps(creds, indent=2) + '\n')
        return creds

    def _missing_databases(self):
        wanted = [self.database] + self.extra_databases
        present = self._psql('SELECT datname FROM pg_database WHERE datname IN (%s)'
                             % ', '.join(sql_literal(name) for name in wanted)).split()
        return [name for name in wanted if name not in present]

    def _ensure_database(self, creds):
        user = sql_identifier(self.user)
        exists = self._psql("SELECT 1 FROM pg_roles WHERE rolname = %s" % sql_literal(self.user))
        verb = 'ALTER' if exists == '1' else 'CREATE'
        self._psql('%s ROLE %s LOGIN PASSWORD %s' % (verb, user, sql_literal(creds['password'])))
        for name in self._missing_databases():
            self._psql('CREATE DATABASE %s OWNER %s' % (sql_identifier(name), user))

    def start(self):
        if self._pid() and self._login_works():
            if not self._missing_databases():
                return False
            self._ensure_database(self.load_credentials())
            return True
        if not self._pid():
            # Before initdb, which writes the port into postgresql.conf: a taken port leaves nothing behind, so
            # the next start can follow the advice and use another port.
            ensure_port_free('PostgreSQL', self.host, self.port, 'local_stack_postgresql_port', service=self.name)
        for path in (self.state_dir, os.path.dirname(self.log_file), os.path.dirname(self.credentials_file)):
            if not os.path.isdir(path):
                os.makedirs(path, 0o700 if path.endswith('credentials') else 0o755)
        if not os.path.exists(self.log_file):
            open(self.log_file, 'a').close()
        self._chown(self.log_file)
        creds = self.load_credentials()
        fresh = not os.path.exists(os.path.join(self.data_dir, 'PG_VERSION'))
        if fresh:
            creds = self._initdb()
        elif creds is None:
            raise StackError('PostgreSQL data exists in %s but %s is missing; restore that file or remove the state '
                             'directory (local_stack_state=absent).' % (self.data_dir, self.credentials_file),
                             service=self.name)
        if not self._pid():
            stale = os.path.join(self.data_dir, 'postmaster.pid')
            if os.path.exists(stale):
                os.unlink(stale)  # its PID is gone or belongs to another program (checked by _pid)
            try:
                self._run_as_owner([self._bin('pg_ctl'), '-D', self.data_dir, '-l', self.log_file, '-w', '-t',
                                    str(self.start_timeout), 'start'], timeout=self.start_timeout + 10)
            except StackError as exc:
                raise StackError('PostgreSQL failed to start on %s:%d: %s' % (
                    self.host, self.port, (tail(self.log_file, 1) or [exc.message])[-1]), service=self.name,
                    log_tail=tail(self.log_file, self.log_lines))
        self._ensure_database(creds)
        ok, dummy = wait_until(self._login_works, 20, interval=0.5)
        if not ok:
            raise StackError('PostgreSQL is running but the %s login to database %s fails; see %s.' % (
                self.user, self.database, self.log_file), service=self.name, log_tail=tail(self.log_file, self.log_lines))
        return True

    def stop(self):
        pid = self._pid()
        if not pid:
            return False
        try:
            self._run_as_owner([self._bin('pg_ctl'), '-D', self.data_dir, '-m', 'fast', '-w', '-t', '60', 'stop'],
                               timeout=70)
        except StackError:
            stop_pid(pid, SERVER_PROCESS)
        return True

    def facts(self):
        return dict(host=self.host, port=self.port, database=self.database, user=self.user,
                    extra_databases=list(self.extra_databases),
                    admin_user=self.admin_user, credentials_file=self.credentials_file,
                    jdbc_url='jdbc:postgresql://%s:%d/%s' % (self.host, self.port, self.database),
                    bin_dir=self.bin_dir, log_file=self.log_file)

    def versions(self):
        try:
            return {'postgresql': tool_version(self._bin('postgres'))[1]}
        except (StackError, PostgresqlError):
            return {}
