# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one connection layer to the log aggregator (VictoriaLogs' LogsQL HTTP API, /select/logsql/query).

No third-party import: Ansible's open_url. Errors are one line: an unreachable aggregator names its URL and what
to start; a query VictoriaLogs rejects carries VictoriaLogs' own message. The query builders are pure (unit-tested).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import ConnectionError as UrlConnectionError, open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

DEFAULT_URL = 'http://127.0.0.1:19428'
# How much of a line the exact-prefix filter uses (a whole long line is not needed to identify it).
LINE_PREFIX = 160


class LogsError(LakehouseError):
    """The aggregator did not answer, or refused the query."""


def logs_argument_spec():
    return dict(
        logs_url=dict(type='str', fallback=(env_fallback, ['LAKEHOUSE_LOGS_URL'])),
        logs_timeout=dict(type='int', default=10),
    )


def quote(text):
    """A LogsQL quoted string (LogsQL unquotes like Go's strconv.Unquote, which reads JSON's escapes)."""
    return json.dumps(text)


def component_filter(component):
    return 'app_name:=%s' % quote(component)


def line_query(component, line):
    """The lines of `component` that start with `line` (its first LINE_PREFIX characters, outer blanks dropped)."""
    prefix = (line or '').strip()[:LINE_PREFIX]
    if not prefix:
        raise LogsError('logs: the line to look for is empty; give a non-blank line.')
    return '%s _msg:=%s*' % (component_filter(component), quote(prefix))


def count_query(field, query='*'):
    return '%s | stats by (%s) count() as lines' % (query or '*', field)


class LogsClient(object):
    """LogsQL queries against one VictoriaLogs server."""

    def __init__(self, url=DEFAULT_URL, timeout=10):
        self.url = (url or DEFAULT_URL).rstrip('/')
        self.timeout = timeout

    def query(self, logsql, limit=100):
        """The matching log entries (dicts with _msg, _time, app_name, ...), newest last as VictoriaLogs sends them."""
        body = urlencode({'query': logsql, 'limit': str(int(limit))})
        try:
            response = open_url(self.url + '/select/logsql/query', data=body, method='POST', timeout=self.timeout,
                                use_proxy=False, headers={'Content-Type': 'application/x-www-form-urlencoded'})
            text = response.read().decode('utf-8', 'replace')
        except HTTPError as exc:
            try:
                detail = exc.read().decode('utf-8', 'replace')
            except Exception:  # the body is only for the message
                detail = ''
            if exc.code == 400:
                raise LogsError('logs: VictoriaLogs refused the query %s: %s' % (quote(logsql), detail or exc.reason),
                                query=logsql, status=exc.code)
            raise LogsError('logs: VictoriaLogs at %s answered HTTP %s: %s' % (self.url, exc.code, detail or exc.reason),
                            query=logsql, status=exc.code)
        except (URLError, UrlConnectionError, OSError, ValueError) as exc:
            raise LogsError('logs: VictoriaLogs at %s is unreachable (%s); start the local stack\'s monitoring service '
                            '(local_stack_monitoring=true) or set logs_url.'
                            % (self.url, getattr(exc, 'reason', None) or exc), query=logsql)
        entries = []
        for raw in text.splitlines():
            if raw.strip():
                try:
                    entries.append(json.loads(raw))
                except ValueError:
                    raise LogsError('logs: VictoriaLogs at %s answered something that is not JSON lines: %s'
                                    % (self.url, raw[:200]), query=logsql)
        return entries

    def counts(self, field, query='*'):
        """{value of field: number of entries} over the entries matching `query`."""
        return dict((entry.get(field, ''), int(entry.get('lines', 0)))
                    for entry in self.query(count_query(field, query), limit=10000))
