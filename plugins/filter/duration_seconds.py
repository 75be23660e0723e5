# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seconds of a duration given as the modules take it ('3d', '36h', '90m', '30s', '250ms' or a number)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.durations import parse_duration


def duration_seconds(value, where='duration'):
    """The seconds (float) of `value`; `where` names the variable in the error."""
    return parse_duration(value, where, error=AnsibleFilterError)


class FilterModule(object):
    def filters(self):
        return {'duration_seconds': duration_seconds}
