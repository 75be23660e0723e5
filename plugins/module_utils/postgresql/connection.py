# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PostgreSQL connection options (one argument spec), libpq environment and command lines, and psycopg
connections, for every module and feature that talks to PostgreSQL.

Package postgresql: connection (this file), errors (descriptions of psycopg and client tool failures), tools
(finding and running the PostgreSQL programs).

The options are documented once in plugins/doc_fragments/postgresql.py (extends_documentation_fragment:
dataplatform.lakehouse.postgresql).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shlex
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import (
    PostgresqlError,
    describe_pg_error,
)

PSYCOPG_IMPORT_ERROR = None
try:
    import psycopg
    from psycopg import sql  # pylint: disable=unused-import
except ImportError:
    PSYCOPG_IMPORT_ERROR = traceback.format_exc()
    psycopg = None
    sql = None

# For LakehouseModule(requirements=[PSYCOPG_REQUIREMENT]).
PSYCOPG_REQUIREMENT = ('psycopg', PSYCOPG_IMPORT_ERROR)

SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']
APPLICATION_NAME = 'dataplatform.lakehouse'


def postgresql_argument_spec():
    """The PostgreSQL connection options (doc fragment dataplatform.lakehouse.postgresql)."""
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
    """Pick the PostgreSQL connection options out of a module's params (so they can be passed around)."""
    return dict((name, params.get(name)) for name in PG_OPTION_NAMES)


def pg_env(conn, base=None, application_name=APPLICATION_NAME):
    """Environment for the client tools (pg_dump, pg_restore): the password goes here (PGPASSWORD), never on argv."""
    env = dict(os.environ if base is None else base)
    for name in ('PGPASSWORD', 'PGSERVICE', 'PGOPTIONS'):
        env.pop(name, None)
    if conn.get('password'):
        env['PGPASSWORD'] = conn['password']
    env['PGSSLMODE'] = conn.get('sslmode') or 'prefer'
    if conn.get('ssl_rootcert'):
        env['PGSSLROOTCERT'] = conn['ssl_rootcert']
    env['PGCONNECT_TIMEOUT'] = str(conn.get('pg_connect_timeout') or 10)
    env['PGAPPNAME'] = application_name
    return env


def dbname_argument(database):
    """The --dbname value: a plain name unless it would be parsed as a connection string."""
    if '=' in database or database.startswith(('postgresql://', 'postgres://')):
        return "dbname='%s'" % database.replace('\\', '\\\\').replace("'", "\\'")
    return database


def pg_tool_argv(binary, conn, database):
    """The argv of a client tool connecting to `database` (never prompting; no secret on it)."""
    return [binary, '--no-password', '--host', str(conn.get('host') or 'localhost'),
            '--port', str(conn.get('port') or 5432), '--username', str(conn.get('user') or 'postgres'),
            '--dbname', dbname_argument(database)]


def quote_command(argv):
    """A command line for the result. Secrets are never on argv (password in PGPASSWORD), so this is safe."""
    return ' '.join(shlex.quote(str(part)) for part in argv)


def pg_connect(conn, database, autocommit=True, application_name=APPLICATION_NAME, error=PostgresqlError):
    """A psycopg connection. Errors are raised as `error` (a LakehouseError class) with an actionable message."""
    kwargs = dict(host=conn.get('host') or 'localhost', port=conn.get('port') or 5432, dbname=database,
                  user=conn.get('user') or 'postgres', sslmode=conn.get('sslmode') or 'prefer',
                  connect_timeout=conn.get('pg_connect_timeout') or 10,
                  application_name=application_name)
    if conn.get('password'):
        kwargs['password'] = conn['password']
    if conn.get('ssl_rootcert'):
        kwargs['sslrootcert'] = conn['ssl_rootcert']
    try:
        return psycopg.connect(autocommit=autocommit, **kwargs)
    except psycopg.Error as exc:
        raise error(describe_pg_error(exc, conn, database, action='Connecting to PostgreSQL'))
