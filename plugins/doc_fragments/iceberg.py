# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Catalog connection options shared by iceberg_table, iceberg_table_info and platform_info (argument spec:
    # plugins/module_utils/iceberg/options.py iceberg_catalog_argument_spec()); its S3 options are the s3 fragment's.
    DOCUMENTATION = r'''
options:
  catalog_type:
    description:
      - Kind of Iceberg catalog.
      - V(rest) is an Iceberg REST catalog such as Apache Polaris; V(sql) is PyIceberg's SQL catalog (SQLite or
        PostgreSQL through SQLAlchemy); V(hive) is a Hive metastore (PyIceberg's HiveCatalog over Thrift; tested
        against Apache Hive Metastore 4.0.0, the local stack's C(hive_metastore) service). A Hive metastore has one
        level of databases and stores names in lower case, so other namespaces and names are refused.
    type: str
    choices: [rest, sql, hive]
    default: rest
  catalog_name:
    description: Name PyIceberg gives the catalog client (only used in its messages and for the SQL catalog's rows).
    type: str
    default: lakehouse
  catalog_uri:
    description:
      - For V(rest), the catalog base URI, for Polaris V(http://127.0.0.1:8181/api/catalog).
      - For V(sql), an SQLAlchemy URL such as V(sqlite:////var/lib/x/catalog.db) or
        V(postgresql+psycopg://user@host:5432/db) (put the password in O(catalog_password), not in the URL).
      - For V(hive), the metastore's Thrift URI C(thrift://HOST:PORT), for example V(thrift://127.0.0.1:9083).
      - Falls back to E(LAKEHOUSE_CATALOG_URI).
    type: str
    required: true
    aliases: [uri]
  warehouse:
    description:
      - For V(rest), the warehouse the server should use; for Polaris this is the B(catalog name).
      - For V(sql) and V(hive), the root location of new tables, for example V(s3://lakehouse/warehouse). A
        namespace the module creates in a Hive metastore gets the location C(<warehouse>/<namespace>.db), where its
        tables go.
    type: str
  client_id:
    description:
      - OAuth2 client id of the catalog principal (V(rest) only). Sent with O(client_secret) as the client
        credential to the token endpoint.
      - Falls back to E(LAKEHOUSE_CATALOG_CLIENT_ID).
    type: str
  client_secret:
    description:
      - OAuth2 client secret of the catalog principal (V(rest) only). Never logged.
      - Falls back to E(LAKEHOUSE_CATALOG_CLIENT_SECRET).
    type: str
  oauth_scope:
    description: OAuth2 scope requested with the client credential. Polaris principals use V(PRINCIPAL_ROLE:ALL).
    type: str
    default: PRINCIPAL_ROLE:ALL
  oauth2_server_uri:
    description:
      - Token endpoint. Defaults to O(catalog_uri) followed by C(/v1/oauth/tokens), which is where Polaris serves it.
    type: str
  token:
    description: A bearer token to use instead of (or before) the client credential (V(rest) only). Never logged.
    type: str
  realm:
    description:
      - Polaris realm, sent in the O(realm_header) header on every request. Leave unset for the default realm.
    type: str
  realm_header:
    description: Name of the header carrying O(realm).
    type: str
    default: Polaris-Realm
  catalog_password:
    description: Password of the SQL catalog database, merged into O(catalog_uri) (V(sql) only). Never logged.
    type: str
  catalog_properties:
    description:
      - Extra PyIceberg catalog properties, passed as they are and applied last (an escape hatch; values are not
        hidden from logs, so do not put secrets here).
      - No C(X-Iceberg-Access-Delegation) header is sent (the module sets C(header.X-Iceberg-Access-Delegation) to
        an empty value); a Polaris catalog on Ceph RGW has no STS and answers vended-credential requests with 400,
        so the client uses its own S3 keys (O(access_key), O(secret_key)).
    type: dict
    default: {}
  # The S3 options are documented by the s3 fragment, listed AFTER this one (extends_documentation_fragment:
  # [dataplatform.lakehouse.iceberg, dataplatform.lakehouse.s3]): Ansible merges each option's keys, the first
  # fragment's win, so these three stay optional here.
  endpoint_url:
    required: false
  access_key:
    required: false
  secret_key:
    required: false
  s3_path_style_access:
    description:
      - Address buckets by path (V(true), what Ceph RGW without wildcard DNS needs) or virtual host (V(false)).
        Maps to C(s3.force-virtual-addressing) (PyIceberg ignores the Java property C(s3.path-style-access)).
    type: bool
    default: true
  commit_retries:
    description:
      - How many times a commit that conflicts with a concurrent commit is re-planned on the refreshed table and
        retried, with jittered exponential backoff. PyIceberg also retries snapshot commits itself
        (table properties C(commit.retry.*)) before a conflict reaches this loop.
    type: int
    default: 8
  commit_retry_max_wait:
    description: Upper bound in seconds of one backoff sleep between commit attempts.
    type: float
    default: 5.0
requirements:
  - pyiceberg[pyarrow,pyiceberg-core] >= 0.12, < 0.13 (C(sql-sqlite) or C(sql-postgres) extras for a SQL catalog, C(hive) for Hive)
  - pyarrow
notes:
  - The S3 options configure PyIceberg's pyarrow FileIO (C(s3.endpoint), C(s3.access-key-id), C(s3.secret-access-key),
    C(s3.region), C(s3.connect-timeout), C(s3.request-timeout)) and the boto3 client that lists and deletes files
    during maintenance. None is required (a SQL catalog on a local warehouse needs none); a REST catalog may
    override the endpoint with the one configured in the catalog. O(region) is always sent (without it the pyarrow
    FileIO tries to resolve an AWS bucket region). O(request_checksum_calculation), O(response_checksum_validation)
    and O(ca_bundle) are exported as E(AWS_REQUEST_CHECKSUM_CALCULATION), E(AWS_RESPONSE_CHECKSUM_VALIDATION) and
    E(AWS_CA_BUNDLE) before the first pyarrow S3 filesystem is created (Ceph RGW 16.x needs V(when_required) for
    both checksum options; whether pyarrow's AWS SDK honours the CA bundle depends on its build).
'''
