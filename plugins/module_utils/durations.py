# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Durations given by users ('3d', '36h', '90m', '30s', '250ms' or a number of seconds), parsed once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError

DURATION_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$')
UNIT_SECONDS = {'ms': 0.001, 's': 1, None: 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}


def is_duration_text(text):
    return bool(DURATION_RE.match(str(text or '').lower()))


def parse_duration(value, where, positive=False, error=LakehouseError):
    """Seconds (float) of `value`; `where` names the option in the error; `error` is the class raised."""
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif not isinstance(value, bool):
        match = DURATION_RE.match(str(value or '').lower())
        if match:
            seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2)]
    if seconds is None:
        raise error("%s: '%s' is not a duration; use seconds or a value such as 3d, 36h, 90m, 30s." % (where, value))
    if positive and seconds <= 0:
        raise error('%s must be positive (got %r).' % (where, value))
    return seconds
