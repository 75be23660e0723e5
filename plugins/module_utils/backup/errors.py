# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup feature's error (package backup: names, stores, metastore)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError


class BackupError(LakehouseError):
    """A backup, restore or verification failed; the message ends with what was kept and what was deleted."""

    limit = None   # never cut: the end of the message says what happened to the older backups
