# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token expiry against the real Polaris, through the collection's two clients of it.

Run with the collection's path on PYTHONPATH; every value comes from the environment (TE_* variables; secrets never
on the command line). Gets tokens, waits past Polaris's token lifetime (TE_WAIT seconds), then:
  - the first token is refused by Polaris (HTTP 401): expiry is real;
  - PolarisClient renews on its own before a call (the token's expires_in), and after a 401 when it believed its
    token fresh (a frozen clock);
  - PyIceberg's REST catalog, connected as the module connects, loads a table and commits after the expiry.
Prints one JSON document; exits 1 with one line on failure.
"""

import json
import os
import sys
import time
import uuid

from urllib.error import HTTPError
from urllib.request import Request, urlopen

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.iceberg.catalog import connect
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisClient


def raw_status(base, token, realm):
    request = Request(base + '/api/management/v1/catalogs',
                      headers={'Authorization': 'Bearer ' + token, 'Polaris-Realm': realm})
    try:
        with urlopen(request, timeout=10) as answer:
            return answer.status
    except HTTPError as exc:
        return exc.code


def main():
    env = os.environ
    base, realm = env['TE_POLARIS_URI'], env['TE_REALM']
    wait = float(env['TE_WAIT'])
    result = {}
    proactive = PolarisClient(base, client_id=env['TE_ROOT_ID'], client_secret=env['TE_ROOT_SECRET'], realm=realm)
    first_token = proactive.token()
    proactive.get('catalogs')
    # Believes its token never expires: only Polaris's 401 can tell it.
    reactive = PolarisClient(base, client_id=env['TE_ROOT_ID'], client_secret=env['TE_ROOT_SECRET'], realm=realm,
                             clock=lambda: 0.0)
    reactive.token()
    reactive._token_expires = None  # pylint: disable=protected-access
    params = dict(catalog_type='rest', catalog_uri=base + '/api/catalog', warehouse=env['TE_WAREHOUSE'], realm=realm,
                  client_id=env['TE_CLIENT_ID'], client_secret=env['TE_CLIENT_SECRET'],
                  endpoint_url=env['TE_S3_ENDPOINT'], access_key=env['TE_S3_ACCESS_KEY'],
                  secret_key=env['TE_S3_SECRET_KEY'], region=env.get('TE_S3_REGION', 'us-east-1'),
                  request_checksum_calculation='when_required', response_checksum_validation='when_required')
    catalog = connect(params)
    namespace = 'token_expiry_%s' % uuid.uuid4().hex[:8]
    import pyarrow as pa
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField
    catalog.create_namespace(namespace)
    table = catalog.create_table('%s.t' % namespace, schema=Schema(NestedField(1, 'id', LongType(), required=False)))
    try:
        started = time.monotonic()
        time.sleep(wait)
        result['waited_seconds'] = round(time.monotonic() - started, 1)
        result['first_token_status_after_wait'] = raw_status(base, first_token, realm)
        before = proactive.calls
        proactive.get('catalogs')
        result['proactive'] = {'renewed': proactive.token() != first_token, 'calls': proactive.calls - before}
        stale = reactive.token()
        reactive.get('catalogs')
        result['reactive'] = {'renewed_after_401': reactive.token() != stale}
        table = catalog.load_table('%s.t' % namespace)
        table.append(pa.Table.from_pylist([{'id': 1}], schema=table.schema().as_arrow()))
        result['pyiceberg'] = {'rows_after_expiry': catalog.load_table('%s.t' % namespace).scan().to_arrow().num_rows}
    finally:
        catalog.drop_table('%s.t' % namespace)
        catalog.drop_namespace(namespace)
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except Exception as exc:  # one line, never a traceback with a token in it
        sys.stderr.write('token_expiry: %s: %s\n' % (type(exc).__name__, str(exc).splitlines()[0] if str(exc) else ''))
        sys.exit(1)
