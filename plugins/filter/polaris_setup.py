# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""polaris_setup_desired: a `polaris setup apply` document as the polaris role's desired state."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.export import setup_desired
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.grants import PolarisInputError


def polaris_setup_desired(document):
    try:
        return setup_desired(document)
    except PolarisInputError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {'polaris_setup_desired': polaris_setup_desired}
