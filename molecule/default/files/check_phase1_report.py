"""Checks a Phase 1 report directory and searches everything the scenario wrote for secret values.

Usage: check_phase1_report.py REPORT_DIR SEARCH_PATH...   (directories or files)
Secret values come in the environment as SECRET_* and are searched everywhere; HIDDEN_* are values that are not
secret but are kept out of the reports, generated files and normal output (the S3 access key, which Ansible's -vvv
shows among a failed module's arguments, as it is not no_log): they are searched everywhere except in *-vvv.log.
Prints one JSON object; exit 0 only when the report is complete and no secret was found.
"""

import json
import os
import sys
import xml.etree.ElementTree as ET

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def main():
    report_dir, search_dirs = sys.argv[1], sys.argv[2:]
    problems = []
    with open(os.path.join(report_dir, 'results.json')) as handle:
        results = json.load(handle)
    criteria = results['criteria']
    suite = ET.parse(os.path.join(report_dir, 'junit.xml')).getroot()
    # A test case is named '<criterion id>: <check>'.
    cases = [case.get('name').split(':', 1)[0] for case in suite.iter('testcase')]
    if sorted(cases) != sorted(c['id'] for c in criteria):
        problems.append('JUnit cases %s differ from the criteria %s' % (sorted(cases), sorted(c['id'] for c in criteria)))
    failures = sum(1 for case in suite.iter('testcase') if case.find('failure') is not None)
    if failures != sum(1 for c in criteria if c['status'] == 'failed'):
        problems.append('JUnit has %d failures, results.json %d failed criteria'
                        % (failures, sum(1 for c in criteria if c['status'] == 'failed')))
    with open(os.path.join(report_dir, 'summary.md')) as handle:
        summary = handle.read()
    for criterion in criteria:
        if criterion['id'] not in summary and criterion['check'] not in summary:
            problems.append('summary.md does not show %s' % criterion['id'])
    pngs = sorted(name for name in os.listdir(report_dir) if name.endswith('.png'))
    for name in pngs:
        with open(os.path.join(report_dir, name), 'rb') as handle:
            if handle.read(8) != PNG_SIGNATURE:
                problems.append('%s is not a PNG' % name)
    secrets = dict((key, value) for key, value in os.environ.items() if key.startswith(('SECRET_', 'HIDDEN_')) and value)
    searched = 0
    paths = []
    for top in search_dirs:
        if os.path.isfile(top):  # a log file named directly (os.walk yields nothing for a file)
            paths.append(top)
        elif not os.path.isdir(top):
            problems.append('%s does not exist: nothing was searched there' % top)
        for dirpath, dummy, filenames in os.walk(top):
            paths.extend(os.path.join(dirpath, filename) for filename in filenames)
    for path in paths:
        with open(path, 'rb') as handle:
            content = handle.read()
        searched += 1
        for key, value in secrets.items():
            if key.startswith('HIDDEN_') and path.endswith('-vvv.log'):
                continue
            if value.encode() in content:
                problems.append('%s contains the value of %s' % (path, key))
    print(json.dumps({'criteria': len(criteria), 'junit_cases': len(cases), 'pngs': pngs,
                      'files_searched': searched, 'secrets_searched': sorted(k for k in secrets if k.startswith('SECRET_')),
                      'hidden_searched': sorted(k for k in secrets if k.startswith('HIDDEN_')),
                      'vvv_searched': any(p.endswith('-vvv.log') and os.path.getsize(p) > 0 for p in paths),
                      'problems': problems}))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
