# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""platform_info with only S3, backup or Polaris facts loads neither pyiceberg nor pyarrow (a fresh interpreter
is the only place where sys.modules says so: this test session has imported both already)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

COLLECTIONS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))),
    '.collections')
HEAVY = ('pyiceberg', 'pyarrow')
PREFIX = 'ansible_collections.dataplatform.lakehouse.plugins'


def loaded_after(code):
    """The HEAVY modules that a fresh interpreter has loaded after running `code`."""
    script = ('import json, sys\nsys.path.insert(0, %r)\n%s\n'
              'print(json.dumps(sorted(m for m in %r if m in sys.modules)))' % (COLLECTIONS, code, HEAVY))
    out = subprocess.run([sys.executable, '-c', script], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_platform_facts_and_platform_info_import_without_pyiceberg():
    code = ('import %s.module_utils.platform_facts\nimport %s.modules.platform_info' % (PREFIX, PREFIX))
    assert loaded_after(code) == []


def test_s3_only_facts_load_no_pyiceberg():
    """gather() of the polaris section (not deployed: no connection, no network) and the S3 argument checks."""
    code = ('from %s.module_utils import platform_facts as pf\n'
            'assert pf.gather({}, ["polaris"], {})["polaris"]["deployed"] is False\n'
            'assert pf.check_params({"endpoint_url": "http://e", "access_key": "a", "secret_key": "s"}, ["s3"]) is None'
            % PREFIX)
    assert loaded_after(code) == []


def test_the_catalog_section_still_loads_them():
    """The check is not vacuous: what the catalog section imports does bring pyiceberg and pyarrow."""
    pytest.importorskip('pyiceberg')
    pytest.importorskip('pyarrow')
    code = 'import %s.module_utils.iceberg.catalog' % PREFIX
    assert loaded_after(code) == sorted(HEAVY)
