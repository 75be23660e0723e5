# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Polaris connection options of every module that talks to Polaris (documented by the polaris fragment)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import PolarisClient


def polaris_argument_spec(required=True):
    """The connection options; with required=False a module may run without Polaris (its uri unset)."""
    return dict(
        polaris_uri=dict(type='str', required=required, fallback=(env_fallback, ['POLARIS_URI'])),
        polaris_realm=dict(type='str', default='POLARIS', fallback=(env_fallback, ['POLARIS_REALM'])),
        polaris_client_id=dict(type='str', no_log=False, fallback=(env_fallback, ['POLARIS_CLIENT_ID'])),
        polaris_client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['POLARIS_CLIENT_SECRET'])),
        polaris_token=dict(type='str', no_log=True, fallback=(env_fallback, ['POLARIS_TOKEN'])),
        polaris_scope=dict(type='str', default='PRINCIPAL_ROLE:ALL'),
        polaris_validate_certs=dict(type='bool', default=True),
        polaris_timeout=dict(type='int', default=30),
    )


def polaris_connection_problem(params):
    """None, or why the connection options cannot authenticate (one line)."""
    if not params.get('polaris_uri'):
        return 'polaris_uri is not set; give the Polaris server (e.g. http://127.0.0.1:8181).'
    if params.get('polaris_token'):
        return None
    if not (params.get('polaris_client_id') and params.get('polaris_client_secret')):
        return ('Polaris at %s needs credentials: set polaris_client_id and polaris_client_secret (or polaris_token).'
                % params['polaris_uri'])
    return None


def polaris_client(params):
    """A PolarisClient from a module's connection options."""
    return PolarisClient(params['polaris_uri'], client_id=params.get('polaris_client_id'),
                         client_secret=params.get('polaris_client_secret'), realm=params.get('polaris_realm'),
                         token=params.get('polaris_token'), scope=params.get('polaris_scope') or 'PRINCIPAL_ROLE:ALL',
                         validate_certs=params.get('polaris_validate_certs', True),
                         timeout=params.get('polaris_timeout') or 30)
