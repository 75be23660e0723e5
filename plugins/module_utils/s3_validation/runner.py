# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parent side of the pyarrow / PyIceberg child process (worker.py): its controlled environment, running
it, reading its answer.

pyarrow's S3FileSystem (the AWS C++ SDK) reads AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION
from the process environment when it is created, so everything that uses pyarrow or PyIceberg runs in a child
interpreter with a controlled environment: the module's own environment is never modified and the "SDK
defaults" run really sees no checksum variables. Configuration and secrets go to the child on stdin, never in argv.

The child runs the source of worker.py (``python -c <source>``), read through the loader that imported it, so
it works from a checkout, an installed collection and AnsiballZ's zip payload alike (the import below is also
what makes AnsiballZ ship worker.py with the module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

try:
    from urllib.parse import urlparse
except ImportError:  # pragma: no cover - Python 2 is not supported by this collection
    urlparse = None

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import one_line
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation import worker
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.s3_validation.catalogue import CHECKSUM_ENV_VARS, WHEN_REQUIRED


def worker_source():
    """The program text of worker.py, from the loader that imported it (a file, or a zip such as AnsiballZ's)."""
    loader = getattr(worker, '__loader__', None)
    source = loader.get_source(worker.__name__) if hasattr(loader, 'get_source') else None
    if source is None:
        with open(worker.__file__) as handle:
            source = handle.read()
    return source


def worker_environment(mode, base_env=None, ca_bundle=None):
    """Environment of a pyarrow child: the parent's, minus every AWS_* variable and AWS config files (so that
    nothing but `mode` decides the checksum behaviour), plus the checksum variables for when_required.

    ca_bundle: exported as SSL_CERT_FILE, the only way to give PyIceberg's pyarrow FileIO a private CA (PyIceberg
    0.12 passes no CA file to pyarrow; the bundled OpenSSL reads SSL_CERT_FILE)."""
    env = dict((k, v) for k, v in (base_env if base_env is not None else os.environ).items()
               if not k.startswith('AWS_'))
    env['AWS_EC2_METADATA_DISABLED'] = 'true'
    env['AWS_CONFIG_FILE'] = os.devnull
    env['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull
    if mode == WHEN_REQUIRED:
        for name in CHECKSUM_ENV_VARS:
            env[name] = WHEN_REQUIRED
    if ca_bundle:
        env['SSL_CERT_FILE'] = ca_bundle
    return env


def tls_environment(conn):
    """{'SSL_CERT_FILE': ca_bundle} for an https endpoint with a private CA bundle, else {}."""
    if (conn.get('endpoint_url') or '').startswith('https') and conn.get('validate_certs', True) \
            and conn.get('ca_bundle'):
        return {'SSL_CERT_FILE': conn['ca_bundle']}
    return {}


def run_worker(conn, bucket, prefix, run_id, tasks, mode, label, timeout, python=None, rows=200000):
    """Run worker.py in a child interpreter. Returns the decoded JSON (or {'worker_error': ...})."""
    parsed = urlparse(conn['endpoint_url'])
    cfg = dict(
        access_key=conn['access_key'], secret_key=conn['secret_key'], region=conn.get('region') or 'us-east-1',
        scheme=parsed.scheme or 'http', endpoint_override=parsed.netloc + parsed.path.rstrip('/'),
        endpoint_url=conn['endpoint_url'], ca_bundle=conn.get('ca_bundle') if conn.get('validate_certs', True) else None,
        connect_timeout=float(conn.get('connect_timeout') or 5), read_timeout=float(conn.get('read_timeout') or 60),
        bucket=bucket, prefix=prefix, run_id=run_id, tasks=list(tasks), label=label, rows=rows,
    )
    cmd = [python or sys.executable, '-c', worker_source()]
    try:
        proc = subprocess.run(cmd, input=json.dumps(cfg).encode('utf-8'), stdout=subprocess.PIPE, check=False,
                              stderr=subprocess.PIPE, timeout=timeout,
                              env=worker_environment(mode, ca_bundle=tls_environment(conn).get('SSL_CERT_FILE')))
    except subprocess.TimeoutExpired:
        return {'worker_error': 'child process did not finish within %ss (worker_timeout)' % timeout}
    except OSError as exc:
        return {'worker_error': 'could not start %s: %s' % (cmd[0], exc)}
    lines = [line for line in proc.stdout.decode('utf-8', 'replace').splitlines() if line.startswith('{')]
    if not lines:
        return {'worker_error': 'child process exited %s without a result: %s'
                % (proc.returncode, one_line(proc.stderr.decode('utf-8', 'replace')[-600:], 600))}
    try:
        return json.loads(lines[-1])
    except ValueError:
        return {'worker_error': 'unreadable child output: %s' % one_line(lines[-1], 300)}


def worker_failure(out):
    """A one-line reason when the child could not even run the tasks."""
    if 'worker_error' in out:
        return out['worker_error']
    if 'import_error' in out:
        return 'pyarrow is not importable by %s (%s)' % (out.get('python'), out['import_error'])
    if 'fs_error' in out:
        return 'could not create the pyarrow S3FileSystem (%s)' % out['fs_error']
    return None


def ops_failed(res):
    return dict((k, v.get('error')) for k, v in sorted(res.items()) if isinstance(v, dict) and v.get('ok') is False)
