# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spark SQL text, pure: splitting a script into statements, what kind each statement is, what it changes.

The kind decides three things: whether a statement can change anything (a read never reports changed), what it
is run as in check mode (reads and session statements as they are, changes as EXPLAIN, procedures skipped), and
which object's state is compared before and after it to report changed (a namespace's existence, a table's
current metadata file), so that CREATE ... IF NOT EXISTS, DROP ... IF EXISTS and a compaction with nothing to
compact report changed: false.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.spark.errors import SparkSqlError


def split_statements(text):
    """The statements of an SQL script, split on ';' outside quotes, backquotes and comments (comments dropped)."""
    statements, current, i, n = [], [], 0, len(text)
    quote = None
    while i < n:
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == '\\' and quote != '`' and i + 1 < n:
                current.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in ('\'', '"', '`'):
            quote = ch
            current.append(ch)
        elif ch == '-' and text.startswith('--', i):
            end = text.find('\n', i)
            i = n if end < 0 else end
            continue
        elif ch == '/' and text.startswith('/*', i):
            end = text.find('*/', i + 2)
            if end < 0:
                raise SparkSqlError('the SQL has a /* comment that is never closed.')
            i = end + 2
            current.append(' ')
            continue
        elif ch == ';':
            statements.append(''.join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    if quote:
        raise SparkSqlError('the SQL has a %s quote that is never closed.' % quote)
    statements.append(''.join(current))
    return [s.strip() for s in statements if s.strip()]


def normalize(statements=None, sql_text=None):
    """The list of statements from the module's `statements` (strings, each may hold several) or a file's text."""
    found = []
    if sql_text is not None:
        found.extend(split_statements(sql_text))
    for item in statements or []:
        found.extend(split_statements(item))
    if not found:
        raise SparkSqlError('no SQL statement to run (statements is empty or the file has only comments).')
    return found


_IDENT = r'(?:`[^`]+`|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:`[^`]+`|[A-Za-z_][\w$]*))*'
READ_KEYWORDS = ('SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'VALUES', 'TABLE', 'FROM', 'LIST')
SESSION_KEYWORDS = ('SET', 'RESET', 'USE')

_PATTERNS = (
    # (kind, target kind, regex); the first group is the target's identifier
    ('write', 'namespace', r'^CREATE\s+(?:DATABASE|SCHEMA|NAMESPACE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(%s)' % _IDENT),
    ('write', 'namespace', r'^DROP\s+(?:DATABASE|SCHEMA|NAMESPACE)\s+(?:IF\s+EXISTS\s+)?(%s)' % _IDENT),
    ('write', 'namespace', r'^ALTER\s+(?:DATABASE|SCHEMA|NAMESPACE)\s+(%s)' % _IDENT),
    ('write', 'table', r'^(?:CREATE\s+OR\s+REPLACE\s+|REPLACE\s+|CREATE\s+)TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(%s)' % _IDENT),
    ('write', 'table', r'^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(%s)' % _IDENT),
    ('write', 'table', r'^ALTER\s+TABLE\s+(%s)' % _IDENT),
    ('write', 'table', r'^INSERT\s+(?:INTO|OVERWRITE)\s+(?:TABLE\s+)?(%s)' % _IDENT),
    ('write', 'table', r'^(?:MERGE\s+INTO|UPDATE|DELETE\s+FROM)\s+(%s)' % _IDENT),
)
_CALL = re.compile(r'^CALL\s+(%s)\s*\((.*)\)\s*$' % _IDENT, re.I | re.S)
_TABLE_ARG = re.compile(r'''\btable\s*=>\s*'([^']+)'|^\s*'([^']+)'\s*(?:,|$)''', re.I)


def _clean_ident(ident):
    return re.sub(r'\s*\.\s*', '.', ident.strip())


def classify(statement):
    """A dict: kind (read, session, write, call), target_type (namespace, table or None), target, procedure."""
    head = statement.lstrip('( \t\r\n')
    word = re.match(r'^([A-Za-z]+)', head)
    word = word.group(1).upper() if word else ''
    info = {'kind': 'write', 'target_type': None, 'target': None, 'procedure': None, 'statement': statement}
    if word in READ_KEYWORDS:
        info['kind'] = 'read'
        return info
    if word in SESSION_KEYWORDS:
        info['kind'] = 'session'
        return info
    if word == 'CALL':
        info['kind'] = 'call'
        match = _CALL.match(head)
        if match:
            procedure = _clean_ident(match.group(1))
            info['procedure'] = procedure.split('.')[-1].lower()
            catalog = procedure.split('.')[0] if procedure.count('.') >= 2 else None
            arg = _TABLE_ARG.search(match.group(2))
            if arg:
                table = arg.group(1) or arg.group(2)
                info['target_type'] = 'table'
                info['target'] = '%s.%s' % (catalog, table) if catalog else table
        return info
    for kind, target_type, pattern in _PATTERNS:
        match = re.match(pattern, head, re.I | re.S)
        if match:
            info.update(kind=kind, target_type=target_type, target=_clean_ident(match.group(1)))
            # ALTER TABLE t ADD ... where t includes a trailing keyword is impossible: identifiers stop at spaces.
            return info
    return info


def check_mode_action(info):
    """What check mode does with a statement: 'run' (it changes nothing), 'explain' or 'skip'."""
    if info['kind'] in ('read', 'session'):
        return 'run'
    if info['kind'] == 'call':
        return 'skip'
    return 'explain'


def changed_from_states(info, before, after, rows):
    """Whether a statement changed something, from the target's state before and after it (None: unknown)."""
    if info['kind'] in ('read', 'session'):
        return False
    if info['kind'] == 'call' and info['procedure'] == 'remove_orphan_files':
        # Nothing is committed: the rows are the files deleted (or, with dry_run, the files that would be).
        dry = bool(re.search(r'dry_run\s*=>\s*true', info.get('statement') or '', re.I))
        return bool(rows) and not dry
    if info['target_type'] and before is not None and after is not None:
        return before != after
    return True
