# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL errors: one description of a psycopg failure or of a client tool's stderr, and of how a tool ended."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import signal

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError


class PostgresqlError(LakehouseError):
    """A PostgreSQL connection or client tool failure (features may ask the layer to raise their own class)."""


# pg_dump's custom archive format is 1.x (1.14 in PostgreSQL 15, 1.16 in 17): a header version far from that is
# not a newer pg_dump but a file that is no archive at all.
MAX_PLAUSIBLE_ARCHIVE_MINOR = 40
NOT_AN_ARCHIVE = ('does not appear to be a valid archive', 'did not find magic string', 'sanity check on integer size',
                  'unexpected end of file', 'could not read from input file', 'invalid compression code',
                  'file offset in dump file is too large')


def pg_describe_server(conn):
    """'host:port' of the connection options `conn`, for messages."""
    return '%s:%s' % (conn.get('host') or 'localhost', conn.get('port') or 5432)


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
    version = re.search(r'unsupported version \((-?\d+)\.(-?\d+)\) in file header', text)
    if version and version.group(1) == '1' and 0 <= int(version.group(2)) <= MAX_PLAUSIBLE_ARCHIVE_MINOR:
        return ('%s failed: %s; the backup was written by a newer pg_dump, use a newer pg_restore (option bin_dir).'
                % (action, _first_error_line(text)))
    if version or any(marker in low for marker in NOT_AN_ARCHIVE):
        return ('%s failed: %s; the file is not a valid pg_dump archive (damaged, truncated or replaced: a checksum '
                'that matches only says it is the file the manifest describes); restore another backup.'
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
