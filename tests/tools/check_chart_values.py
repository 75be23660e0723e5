#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a values file against a packaged Helm chart's values.schema.json (what `helm install` checks first).

    python tests/tools/check_chart_values.py <chart.tgz> <values.yaml>

Prints `valid` and exits 0, or one line per problem (path: message) and exits 1.
"""

import json
import sys
import tarfile

import jsonschema
import yaml


def chart_schema(chart):
    with tarfile.open(chart) as archive:
        for member in archive.getmembers():
            if member.name.count('/') == 1 and member.name.endswith('/values.schema.json'):
                return json.load(archive.extractfile(member))
    raise SystemExit('%s has no values.schema.json' % chart)


def main():
    chart, values_file = sys.argv[1:3]
    with open(values_file) as handle:
        values = yaml.safe_load(handle)
    validator = jsonschema.Draft7Validator(chart_schema(chart))
    problems = sorted(validator.iter_errors(values), key=lambda error: list(error.path))
    for problem in problems:
        print('%s: %s' % ('.'.join(str(p) for p in problem.path) or '(top)', problem.message))
    if problems:
        sys.exit(1)
    print('valid')


if __name__ == '__main__':
    main()
