# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic of plugins/module_utils/postgresql/: command lines and environment, error mapping, tool discovery.

Connections and the client tools themselves are exercised against a real server by
tests/integration/targets/metastore_backup.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import secrets
import signal

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.connection import (
    PG_OPTION_NAMES,
    dbname_argument,
    pg_connection_params,
    pg_env,
    pg_tool_argv,
    quote_command,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import (
    PostgresqlError,
    describe_exit,
    describe_pg_error,
    describe_tool_failure,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.tools import (
    SERVER_TOOLS,
    candidate_bin_dirs,
    find_bin_dir,
    find_pg_tools,
    tool_version,
)

# Generated per run: tests prove the password never reaches argv or messages, so no literal is needed.
TEST_PASSWORD = secrets.token_urlsafe(16)
CONN = dict(host='127.0.0.1', port=5544, user='polaris', password=TEST_PASSWORD, sslmode='prefer',
            ssl_rootcert=None, pg_connect_timeout=10)


# ---------------------------------------------------------------------------------------------- secrets on argv

class TestCommandLines:
    def test_password_only_in_environment(self):
        argv = pg_tool_argv('/usr/lib/postgresql/15/bin/pg_dump', CONN, 'polaris')
        assert TEST_PASSWORD not in quote_command(argv)
        env = pg_env(CONN, base={'PATH': '/usr/bin', 'PGPASSWORD': 'inherited', 'PGSERVICE': 'svc'})
        assert env['PGPASSWORD'] == TEST_PASSWORD
        assert 'PGSERVICE' not in env and env['PGSSLMODE'] == 'prefer'
        assert '--no-password' in argv  # never prompts

    def test_no_password_does_not_inherit_one(self):
        env = pg_env(dict(CONN, password=None), base={'PGPASSWORD': 'other'})
        assert 'PGPASSWORD' not in env

    def test_dbname_that_looks_like_a_connection_string(self):
        assert dbname_argument('polaris') == 'polaris'
        assert dbname_argument("a=b'c") == "dbname='a=b\\'c'"
        assert dbname_argument('postgresql://evil').startswith("dbname='")


# ---------------------------------------------------------------------------------------------- error mapping

class TestErrorMapping:
    def test_wrong_password(self):
        msg = describe_pg_error('connection to server at "127.0.0.1", port 5544 failed: FATAL:  password '
                                'authentication failed for user "polaris"', CONN, 'polaris', action='pg_dump')
        assert msg == ('pg_dump at 127.0.0.1:5544 failed: password authentication failed for user "polaris"; check '
                       'the password (option password or PGPASSWORD).')
        assert TEST_PASSWORD not in msg

    def test_no_password(self):
        assert 'none was given' in describe_pg_error('fe_sendauth: no password supplied', CONN)

    def test_connection_refused(self):
        msg = describe_pg_error('connection to server at "127.0.0.1", port 5544 failed: Connection refused\n\tIs the '
                                'server running on that host and accepting TCP/IP connections?', CONN)
        assert 'could not connect to 127.0.0.1:5544' in msg

    def test_missing_database(self):
        msg = describe_pg_error('FATAL:  database "nope" does not exist', CONN, 'nope')
        assert 'database "nope" does not exist' in msg

    def test_version_mismatch(self):
        msg = describe_pg_error('pg_dump: error: aborting because of server version mismatch\npg_dump: detail: '
                                'server version: 16.4; pg_dump version: 15.18', CONN, action='pg_dump')
        assert 'bin_dir' in msg and 'server version mismatch' in msg

    def test_permission(self):
        msg = describe_pg_error('pg_dump: error: query failed: ERROR:  permission denied for table secrets', CONN)
        assert 'lacks a privilege' in msg and 'permission denied for table secrets' in msg

    def test_unknown_error_keeps_first_error_line(self):
        msg = describe_pg_error('pg_restore: while PROCESSING TOC:\npg_restore: error: could not execute query: '
                                'ERROR:  syntax error', CONN, action='pg_restore')
        assert msg.endswith('pg_restore: error: could not execute query: ERROR:  syntax error.')

    @pytest.mark.parametrize('rc, text', [
        (0, 'exited with status 0'), (1, 'exited with status 1'),
        (-signal.SIGKILL, 'was killed by signal 9 (SIGKILL)'), (-signal.SIGTERM, 'was killed by signal 15 (SIGTERM)'),
        (137, 'was killed (exit status 137, signal 9)'), (None, 'did not finish'),
    ])
    def test_exit_status(self, rc, text):
        assert describe_exit(rc) == text

    def test_killed_pg_dump(self):
        msg = describe_tool_failure('pg_dump', -9, '', CONN, 'polaris')
        assert msg == 'pg_dump was killed by signal 9 (SIGKILL) without an error message.'

    def test_failed_pg_dump_with_stderr(self):
        msg = describe_tool_failure('pg_dump', 1, 'pg_dump: error: connection to server failed: FATAL:  password '
                                    'authentication failed for user "polaris"', CONN, 'polaris')
        assert msg.startswith('pg_dump exited with status 1: pg_dump at 127.0.0.1:5544 failed: password')


# ---------------------------------------------------------------------------------------------- connection options

def test_connection_params_pick_the_options():
    params = dict(CONN, database='polaris', bucket='other')
    conn = pg_connection_params(params)
    assert set(conn) == set(PG_OPTION_NAMES) and 'bucket' not in conn and conn['password'] == TEST_PASSWORD


def test_application_name():
    assert pg_env(CONN, base={})['PGAPPNAME'] == 'dataplatform.lakehouse'
    assert pg_env(CONN, base={}, application_name='x.y')['PGAPPNAME'] == 'x.y'


# ---------------------------------------------------------------------------------------------- tool discovery

def fake_tools(directory, names, version='16.4'):
    """Executable stand-ins for PostgreSQL programs that answer --version like the real ones."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = directory / name
        path.write_text('#!/bin/sh\necho "%s (PostgreSQL) %s"\n' % (name, version))
        path.chmod(0o755)
    return str(directory)


class TestTools:
    def test_path_entries_need_every_tool(self, tmp_path):
        both = fake_tools(tmp_path / 'both', ('pg_dump', 'pg_restore'))
        only_dump = fake_tools(tmp_path / 'dump', ('pg_dump',))
        dirs = candidate_bin_dirs(path_env=os.pathsep.join([only_dump, '', both]))
        assert dirs[0] == both and only_dump not in dirs

    def test_pg_wrapper_is_skipped(self, tmp_path):
        share = fake_tools(tmp_path / 'share', ('pg_wrapper',))
        wrapped = tmp_path / 'bin'
        wrapped.mkdir()
        for name in ('pg_dump', 'pg_restore'):
            (wrapped / name).symlink_to(os.path.join(share, 'pg_wrapper'))
        assert str(wrapped) not in candidate_bin_dirs(path_env=str(wrapped))

    def test_server_tools_without_path(self, tmp_path):
        server = fake_tools(tmp_path / 'server', SERVER_TOOLS)
        assert server not in candidate_bin_dirs(SERVER_TOOLS, path_env=server, search_path=False)

    def test_preferred_dir_first_else_candidates(self, tmp_path):
        preferred = fake_tools(tmp_path / 'preferred', SERVER_TOOLS)
        assert find_bin_dir(SERVER_TOOLS, preferred, search_path=False) == preferred
        incomplete = fake_tools(tmp_path / 'incomplete', ('initdb',))
        assert find_bin_dir(SERVER_TOOLS, incomplete, search_path=False) != incomplete

    def test_version_and_tools(self, tmp_path):
        bindir = fake_tools(tmp_path / 'bin', ('pg_dump', 'pg_restore'), version='16.4')
        assert tool_version(os.path.join(bindir, 'pg_dump')) == (16, '16.4')
        tools = find_pg_tools(bindir)
        assert tools == dict(pg_dump=os.path.join(bindir, 'pg_dump'), pg_restore=os.path.join(bindir, 'pg_restore'),
                             major=16, version='16.4', bin_dir=bindir)
        with pytest.raises(PostgresqlError, match='older than the PostgreSQL 17 server'):
            find_pg_tools(bindir, min_major=17)

    def test_missing_tools_raise_the_callers_error(self, tmp_path):
        class FeatureError(LakehouseError):
            pass

        with pytest.raises(FeatureError, match='pg_dump/pg_restore not found in %s' % tmp_path):
            find_pg_tools(str(tmp_path), error=FeatureError)
        assert issubclass(PostgresqlError, LakehouseError)
