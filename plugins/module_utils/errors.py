# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one error base and the one-line message helper.

Every connection layer and feature raises a subclass of LakehouseError; the module base
(module_utils/module.py) maps it to ``fail_json(msg=<one line>, **details)``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MESSAGE_LIMIT = 900


def one_line(text, limit=MESSAGE_LIMIT):
    """Squash whitespace so that a message is one line; cut it at `limit` characters."""
    text = re.sub(r'\s+', ' ', '%s' % (text,)).strip()
    if limit and len(text) > limit:
        text = text[:limit - 3].rstrip() + '...'
    return text


class LakehouseError(Exception):
    """A failure with a one-line, actionable message (what went wrong, what to do) and result details.

    ``details`` are returned as keys of the failed module result (never put a secret there).
    ``limit``: the longest message kept (None: squash whitespace only, for features whose messages append the
    state of what was kept and deleted and must never lose it).
    """

    limit = MESSAGE_LIMIT

    def __init__(self, message, **details):
        message = one_line(message, self.limit)
        while message.endswith('..') and not message.endswith('...'):
            message = message[:-1]
        super(LakehouseError, self).__init__(message)
        self.message = message
        self.details = details

    def __str__(self):
        return self.message
