# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # PostgreSQL connection options (plugins/module_utils/postgresql/connection.py postgresql_argument_spec()).
    DOCUMENTATION = r'''
options:
  host:
    description:
      - Host name or IP address of the PostgreSQL server, or the directory of its Unix socket.
      - Falls back to E(PGHOST).
    type: str
    default: localhost
    aliases: [login_host]
  port:
    description:
      - TCP port of the PostgreSQL server (V(5544) for the local stack).
      - Falls back to E(PGPORT).
    type: int
    default: 5432
    aliases: [login_port]
  database:
    description:
      - Name of the database to work on (for example V(polaris)).
    type: str
    aliases: [db, login_db]
  user:
    description:
      - PostgreSQL role to connect as.
      - Falls back to E(PGUSER).
    type: str
    default: postgres
    aliases: [login_user]
  password:
    description:
      - Password of O(user). Never logged and never put on a command line; client tools get it in
        their environment (E(PGPASSWORD)).
      - Falls back to E(PGPASSWORD).
    type: str
    aliases: [login_password]
  sslmode:
    description:
      - libpq SSL mode for every connection (the module's own and the client tools').
      - Falls back to E(PGSSLMODE).
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
    default: prefer
  ssl_rootcert:
    description:
      - PEM file of the CA that signed the server certificate (for O(sslmode=verify-ca) or O(sslmode=verify-full)).
      - Falls back to E(PGSSLROOTCERT).
    type: path
    aliases: [ca_cert]
  pg_connect_timeout:
    description: Seconds to wait for a connection to PostgreSQL.
    type: int
    default: 10
requirements:
  - psycopg >= 3.1
  - PostgreSQL client tools (C(pg_dump), C(pg_restore)) at least as new as the server
'''
