# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error of the Iceberg package (imports neither pyiceberg nor pyarrow).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError


class IcebergModuleError(LakehouseError):
    """A catalog or table operation failed (one line); details: the `refused` changes of a converge.

    `definite`: the failure was a commit conflict, so the commit certainly did not land (internal, not returned).
    """

    def __init__(self, message, definite=False, **details):
        super(IcebergModuleError, self).__init__(message, **details)
        self.definite = definite
