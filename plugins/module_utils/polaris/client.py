# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Apache Polaris HTTP client of the collection: OAuth2 client credentials, realm header, one-line errors.

Every feature that talks to Polaris (the local stack's health check, platform facts, the polaris_* modules) uses
this client. It is a thin layer over Ansible's ``open_url`` rather than the official generated SDK
(``apache-polaris`` on PyPI): that SDK has no 1.4.x release matching the server and pins pydantic/urllib3 versions
that the modules would have to ship to every host (see docs/dev/ARCHITECTURE.md).

* The token is fetched on first use and fetched again when it is about to expire or when Polaris answers 401 to
  a call made with it (a token lifetime shorter than a run is normal).
* HTTP 429 and 503 are retried with back-off (``Retry-After`` honoured, capped), as is a refused connection
  while the server is starting; other errors are raised at once.
* An error is one line naming the call and Polaris's own message (``{"error": {"message": ...}}``), never the
  secret or the token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import time

from http.client import HTTPConnection, RemoteDisconnected
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

from ansible.module_utils.urls import open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError, one_line

TOKEN_PATH = '/api/catalog/v1/oauth/tokens'
MANAGEMENT_PATH = '/api/management/v1'
RETRY_STATUSES = (429, 503)


class PolarisError(LakehouseError):
    """A refused or failed Polaris call; `status` is the HTTP status (None when nothing answered)."""

    def __init__(self, message, status=None, polaris_message=None, **details):
        super(PolarisError, self).__init__(message, **details)
        self.status = status
        self.polaris_message = polaris_message


def polaris_base(uri):
    """http://host:8181 from any of http://host:8181, .../api/catalog, .../api/management/v1."""
    base = (uri or '').rstrip('/')
    for suffix in (MANAGEMENT_PATH, '/api/catalog'):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    return base


def quote_name(name):
    """One path segment of the management API (entity names may hold any character)."""
    return quote(name, safe='')


def error_message(body):
    """Polaris's own message from an error body (JSON ``{"error": {...}}`` or OAuth ``error_description``)."""
    if isinstance(body, dict):
        error = body.get('error')
        if isinstance(error, dict):
            return error.get('message') or error.get('type')
        return body.get('error_description') or (error if isinstance(error, str) else None) or body.get('message')
    if body:
        return one_line(body, 200)
    return None


HINTS = {
    401: 'check the client id and secret and the realm (polaris_client_id, polaris_client_secret, polaris_realm)',
    403: 'the principal lacks the privilege: grant its principal role a catalog role with it (or use a '
         'service_admin principal for the management API)',
}


class PolarisClient(object):
    """Calls of the Polaris REST APIs as one principal (its secret and token never leave this object)."""

    def __init__(self, uri, client_id=None, client_secret=None, realm=None, token=None, scope='PRINCIPAL_ROLE:ALL',
                 validate_certs=True, timeout=30, retries=4, opener=None, sleep=time.sleep, clock=time.monotonic):
        self.base = polaris_base(uri)
        self.client_id = client_id
        self.client_secret = client_secret
        self.realm = realm
        self.scope = scope
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = retries
        self.opener = opener or open_url
        self._sleep = sleep
        self._clock = clock
        self._token = token
        self._token_given = token is not None
        self._token_expires = None
        self._connection = None
        self._connection_key = None
        self.calls = 0

    # -- HTTP ------------------------------------------------------------------------------------------------------
    def _headers(self, extra=None):
        headers = {'Accept': 'application/json'}
        if self.realm:
            headers['Polaris-Realm'] = self.realm
        headers.update(extra or {})
        return headers

    def _keepalive_connection(self, url):
        """A reused http.client connection for a plain-http URL that no proxy applies to, else None.

        open_url builds a TLS context (and loads the CA store) for every request, about 30 ms each even for http://:
        that, not Polaris, would dominate a metadata call. https and proxied URLs keep using open_url.
        """
        if self.opener is not open_url:
            return None
        parts = urlsplit(url)
        if parts.scheme != 'http' or (getproxies().get('http') and not proxy_bypass(parts.hostname or '')):
            return None
        key = (parts.hostname, parts.port or 80)
        if self._connection_key != key:
            self._close_connection()
            self._connection = HTTPConnection(parts.hostname, parts.port or 80, timeout=self.timeout)
            self._connection_key = key
        return self._connection

    def close(self):
        """Close the kept-alive connection (if any); the client stays usable."""
        self._close_connection()

    def _close_connection(self):
        if self._connection is not None:
            self._connection.close()
        self._connection, self._connection_key = None, None

    def _send_keepalive(self, connection, method, url, data, headers):
        parts = urlsplit(url)
        target = parts.path + ('?' + parts.query if parts.query else '')
        body = data.encode('utf-8') if isinstance(data, str) else data
        for attempt in (1, 2):
            try:
                connection.request(method, target, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.read(), response.getheader('Retry-After')
            except (RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed the idle connection: once more on a new one.
                connection.close()
                if attempt == 2:
                    raise

    def _send(self, method, url, data, headers):
        """(status, parsed body, Retry-After) of one HTTP exchange; status None when nothing answered."""
        self.calls += 1
        connection = self._keepalive_connection(url)
        try:
            if connection is not None:
                status, raw, retry_after = self._send_keepalive(connection, method, url, data, headers)
            else:
                response = self.opener(url, method=method, data=data, headers=headers, timeout=self.timeout,
                                       validate_certs=self.validate_certs, follow_redirects='none')
                status, raw, retry_after = response.getcode(), response.read(), None
        except Exception as exc:  # urllib's HTTPError carries a status and a body; anything else: no answer
            status = getattr(exc, 'code', None)
            if status is None:
                if connection is not None:
                    self._close_connection()
                return None, one_line(getattr(exc, 'reason', None) or exc, 200), None
            raw = exc.read() if hasattr(exc, 'read') else b''
            retry_after = (getattr(exc, 'headers', None) or {}).get('Retry-After')
        text = raw.decode('utf-8', 'replace') if isinstance(raw, bytes) else (raw or '')
        try:
            body = json.loads(text) if text.strip() else None
        except ValueError:
            body = text
        return status, body, retry_after

    def _exchange(self, method, url, data, headers, what):
        """The answer to a call, retrying what a busy or starting server answers."""
        attempt = 0
        while True:
            status, body, retry_after = self._send(method, url, data, headers)
            retryable = status in RETRY_STATUSES or status is None
            if not retryable or attempt >= self.retries:
                break
            attempt += 1
            try:
                delay = float(retry_after) if retry_after else 0.5 * 2 ** (attempt - 1)
            except ValueError:
                delay = 0.5 * 2 ** (attempt - 1)
            self._sleep(min(delay, 10.0))
        if status is None:
            raise PolarisError('Polaris at %s is not reachable for %s (%s); check polaris_uri and that the server '
                               'runs.' % (self.base, what, body))
        return status, body

    # -- token -----------------------------------------------------------------------------------------------------
    def token(self, renew=False):
        """An access token for the principal (cached until shortly before it expires)."""
        fresh = self._token_expires is None or self._clock() < self._token_expires
        if self._token and fresh and not renew:
            return self._token
        if not (self.client_id and self.client_secret):
            if self._token_given and not renew:
                return self._token
            raise PolarisError('Polaris at %s needs a client id and secret to get a token (the given token was '
                               'refused or has expired); set polaris_client_id and polaris_client_secret.' % self.base)
        basic = base64.b64encode(('%s:%s' % (self.client_id, self.client_secret)).encode('utf-8')).decode('ascii')
        data = urlencode({'grant_type': 'client_credentials', 'scope': self.scope})
        status, body = self._exchange(
            'POST', self.base + TOKEN_PATH, data,
            self._headers({'Authorization': 'Basic ' + basic, 'Content-Type': 'application/x-www-form-urlencoded'}),
            'the token request')
        token = body.get('access_token') if isinstance(body, dict) else None
        if status != 200 or not token:
            raise self._error('POST', TOKEN_PATH, status, body,
                              hint=HINTS[401] if status in (400, 401, 403) or status == 200 else None)
        self._token = token
        lifetime = body.get('expires_in')
        # Renewed a little early (a tenth of its life, at most 60 s) so that no call goes out with a dying token.
        self._token_expires = (self._clock() + max(float(lifetime) - min(60.0, float(lifetime) / 10), 1.0)
                               if isinstance(lifetime, (int, float)) else None)
        return token

    def get_unauthenticated(self, url, accept='application/json'):
        """(status, parsed JSON or text) of a GET without a token (the management port: health, metrics)."""
        status, body, dummy = self._send('GET', url, None, {'Accept': accept})
        return status, body

    def health(self, management_uri, check='ready'):
        """True when the management port's /q/health/<check> answers UP (no credentials needed)."""
        status, body = self.get_unauthenticated(management_uri.rstrip('/') + '/q/health/' + check)
        return status == 200 and isinstance(body, dict) and body.get('status') == 'UP'

    # -- calls -----------------------------------------------------------------------------------------------------
    def _error(self, method, path, status, body, hint=None):
        message = error_message(body)
        text = 'Polaris %s %s: HTTP %s%s' % (method, path, status, (': %s' % one_line(message, 300)) if message else '')
        hint = hint or HINTS.get(status)
        if hint:
            text += '; %s' % hint
        return PolarisError(text + '.', status=status, polaris_message=message)

    def request(self, method, path, body=None, expected=(200, 201, 204), missing_ok=False, api=MANAGEMENT_PATH):
        """The parsed JSON answer of a call to `api` + `path`; None for 404 with missing_ok (and for no body)."""
        url = self.base + api + '/' + path.lstrip('/')
        data = json.dumps(body) if body is not None else None
        shown = '%s/%s' % (api, path.lstrip('/'))
        for renewed in (False, True):
            headers = self._headers({'Authorization': 'Bearer %s' % self.token(renew=renewed)})
            if data is not None:
                headers['Content-Type'] = 'application/json'
            status, answer = self._exchange(method, url, data, headers, '%s %s' % (method, shown))
            if status != 401 or renewed:
                break
        if status == 404 and missing_ok:
            return None
        if status not in expected:
            raise self._error(method, shown, status, answer)
        return answer if isinstance(answer, (dict, list)) else None

    def get(self, path, missing_ok=False):
        return self.request('GET', path, missing_ok=missing_ok)
