# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding and running the PostgreSQL programs: the one set of discovery rules for the client tools (pg_dump,
pg_restore: metastore_backup) and the server binaries (initdb, pg_ctl: the local stack), and the plumbing of a
tool streaming through a pipe (stderr drained, large pipe, terminated and reaped).

Where a program is looked for, in this order: the directories on PATH holding it (not Debian's pg_wrapper, a perl
script choosing a version: the real binaries are wanted), /usr/lib/postgresql/<version>/bin (Debian, Ubuntu) and
/usr/pgsql-<version>/bin (PGDG RPMs), newest version first, then /usr/local/pgsql/bin (source builds).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import threading

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.postgresql.errors import PostgresqlError

CLIENT_TOOLS = ('pg_dump', 'pg_restore')
SERVER_TOOLS = ('initdb', 'pg_ctl')
MIB = 1024 * 1024

# (root, pattern of a version directory under it); <root>/<name>/bin holds the programs.
VERSIONED_ROOTS = (('/usr/lib/postgresql', r'^(\d+)(?:\.(\d+))?$'), ('/usr/', r'^pgsql-(\d+)(?:\.(\d+))?$'))
SOURCE_BUILD_DIR = '/usr/local/pgsql/bin'


def tool_version(path, error=PostgresqlError):
    """(major, 'x.y') of a PostgreSQL program, from `<program> --version`; `error` (a LakehouseError class) if not."""
    try:
        out = subprocess.run([path, '--version'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=30, check=False).stdout.decode('utf-8', 'replace')
    except (OSError, subprocess.SubprocessError) as exc:
        raise error('Cannot run %s: %s.' % (path, exc))
    match = re.search(r'\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?', out)
    if not match:
        raise error('Cannot tell the version of %s from %r.' % (path, out.strip()[:200]))
    return int(match.group(1)), '%s.%s' % (match.group(1), match.group(2) or '0')


def has_tools(directory, tools):
    """True when `directory` holds every one of the programs `tools`."""
    return bool(directory) and all(os.path.isfile(os.path.join(directory, tool)) for tool in tools)


def candidate_bin_dirs(tools=CLIENT_TOOLS, path_env=None, search_path=True):
    """The directories holding every one of `tools`, in the order of the rules above.

    search_path=False leaves PATH out (the local stack's server: PATH may hold a few links to one version's
    programs, /usr/local/bin/initdb, without the rest of them).
    """
    dirs = []
    if search_path:
        for entry in (path_env if path_env is not None else os.environ.get('PATH', '')).split(os.pathsep):
            if has_tools(entry, tools) and not any(
                    'pg_wrapper' in os.path.realpath(os.path.join(entry, tool)) for tool in tools):
                dirs.append(entry)
    versioned = []
    for root, pattern in VERSIONED_ROOTS:
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            match = re.match(pattern, name)
            bindir = os.path.join(root, name, 'bin')
            if match and has_tools(bindir, tools):
                versioned.append(((int(match.group(1)), int(match.group(2) or 0)), bindir))
    dirs.extend(bindir for _version, bindir in sorted(versioned, reverse=True))
    if has_tools(SOURCE_BUILD_DIR, tools):
        dirs.append(SOURCE_BUILD_DIR)
    return dirs


def find_bin_dir(tools, preferred=None, search_path=True):
    """The first directory holding every one of `tools`: `preferred` when it does, else the first candidate; or None."""
    for directory in ([preferred] if preferred else []) + candidate_bin_dirs(tools, search_path=search_path):
        if has_tools(directory, tools):
            return directory
    return None


def find_pg_tools(bin_dir=None, min_major=None, error=PostgresqlError):
    """{'pg_dump': path, 'pg_restore': path, 'major': int, 'version': str, 'bin_dir': dir}: the newest tools found.

    Only `bin_dir` when it is given. Failures raise `error` (a LakehouseError class).
    """
    dirs = [bin_dir] if bin_dir else candidate_bin_dirs(CLIENT_TOOLS)
    found = []
    for directory in dirs:
        dump, restore = os.path.join(directory, 'pg_dump'), os.path.join(directory, 'pg_restore')
        if os.access(dump, os.X_OK) and os.access(restore, os.X_OK):
            major, version = tool_version(dump, error=error)
            found.append((major, version, directory, dump, restore))
    if not found:
        where = bin_dir or 'PATH, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin'
        raise error('pg_dump/pg_restore not found in %s; install the PostgreSQL client (postgresql-client) '
                    'or set bin_dir.' % where)
    found.sort(key=lambda item: item[0], reverse=True)
    major, version, directory, dump, restore = found[0]
    if min_major is not None and major < min_major:
        raise error('pg_dump %s (%s) is older than the PostgreSQL %d server; install client tools >= %d or set '
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
