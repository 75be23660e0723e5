# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base of the collection (the role AnsibleAWSModule plays in amazon.aws).

A module is: DOCUMENTATION/EXAMPLES/RETURN, ``LakehouseModule(argument_spec=..., connections=[...],
requirements=[...])`` and ``module.run(service_function, ...)``. The base

* merges the argument specs of the connection layers it is given (each layer's ``argument_spec()``) under the
  module's own options, so a connection option is declared once, in its layer;
* fails with ``missing_required_lib`` for a third-party library that did not import (``requirements``: pairs of
  a pip name and the import traceback, or None when it imported);
* maps a LakehouseError to ``fail_json(msg=<one line>, **details)`` and any other exception to one line plus the
  traceback in ``exception`` (never a bare traceback as the message);
* adds ``elapsed_seconds`` (the work after interpreter start-up and imports) to every result, successful or not;
* returns ``diff`` only in diff mode (features always compute it; it can be large).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError, one_line


def merge_specs(own, connections=()):
    """One argument spec from the connection layers' specs and the module's own options (own options win)."""
    spec = {}
    for connection in connections:
        spec.update(connection)
    spec.update(own)
    return spec


class LakehouseModule(AnsibleModule):
    """AnsibleModule with the collection's connection specs, library checks, timing and error mapping."""

    def __init__(self, argument_spec, connections=(), requirements=(), **kwargs):
        """requirements: (pip requirement, import traceback or None) pairs, checked after argument parsing."""
        self._started = time.monotonic()
        super(LakehouseModule, self).__init__(argument_spec=merge_specs(argument_spec, connections), **kwargs)
        for library, import_error in requirements:
            self.require(library, import_error)

    def elapsed(self):
        return round(time.monotonic() - self._started, 3)

    def require(self, library, import_error):
        """Fail with Ansible's standard message when `library` (its pip name) did not import."""
        if import_error:
            self.fail_json(msg=missing_required_lib(library), exception=import_error)

    def exit_json(self, **kwargs):
        if not self._diff:
            kwargs.pop('diff', None)
        kwargs.setdefault('elapsed_seconds', self.elapsed())
        super(LakehouseModule, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.setdefault('elapsed_seconds', self.elapsed())
        super(LakehouseModule, self).fail_json(msg=msg, **kwargs)

    def fail_error(self, error):
        """fail_json for a LakehouseError: its one-line message and its details."""
        self.fail_json(msg=error.message, **error.details)

    def run(self, function, *args, **kwargs):
        """exit_json(**function(*args, **kwargs)); a LakehouseError or any other failure becomes one line.

        `describe` (keyword, optional): a callable(exception) -> one-line message for unexpected exceptions.
        """
        describe = kwargs.pop('describe', None)
        try:
            result = function(*args, **kwargs)
        except LakehouseError as error:
            self.fail_error(error)
        except Exception as error:  # a last resort: one line, with the traceback in `exception`
            message = describe(error) if describe else '%s: %s' % (type(error).__name__, error)
            self.fail_json(msg=one_line(message), exception=traceback.format_exc())
        self.exit_json(**result)
