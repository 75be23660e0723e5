"""Units for the Polaris client's pure logic: token caching and renewal, retries, one-line errors (no server)."""
import json
import secrets

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.client import (
    PolarisClient, PolarisError, error_message, polaris_base, quote_name,
)
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.polaris.connection import (
    polaris_argument_spec, polaris_connection_problem,
)

# Generated per run: no fixed credential in the repository.
SECRET = 'test-' + secrets.token_hex(12)


class Answer(object):
    def __init__(self, status, body):
        self.status, self.body = status, body

    def getcode(self):
        return self.status

    def read(self):
        return json.dumps(self.body).encode() if not isinstance(self.body, bytes) else self.body


class Refusal(Exception):
    def __init__(self, status, body, headers=None):
        super(Refusal, self).__init__('HTTP Error %d' % status)
        self.code, self.headers, self._body = status, headers or {}, json.dumps(body).encode()

    def read(self):
        return self._body


class Server(object):
    """Answers calls from a script: a list of (status, body[, headers]) per call, recording the requests."""

    def __init__(self, script):
        self.script, self.requests = list(script), []

    def __call__(self, url, method=None, data=None, headers=None, **kwargs):
        self.requests.append(dict(url=url, method=method, data=data, headers=dict(headers or {})))
        step = self.script.pop(0)
        if step is None:
            raise OSError('[Errno 111] Connection refused')
        status, body = step[0], step[1]
        if status >= 400:
            raise Refusal(status, body, step[2] if len(step) > 2 else None)
        return Answer(status, body)


TOKEN = (200, {'access_token': 'tok-1', 'token_type': 'bearer', 'expires_in': 3600})


def client(server, **kwargs):
    clock = kwargs.pop('clock', lambda: 0.0)
    return PolarisClient('http://127.0.0.1:8181/api/catalog', client_id='id', client_secret=SECRET,
                         realm='POLARIS', opener=server, sleep=lambda seconds: None, clock=clock, **kwargs)


def test_base_and_names():
    assert polaris_base('http://h:8181/api/management/v1/') == 'http://h:8181'
    assert quote_name('a/b c') == 'a%2Fb%20c'
    assert error_message({'error': {'message': 'Catalog x already exists', 'code': 409}}) == 'Catalog x already exists'
    assert error_message({'error': 'invalid_client', 'error_description': 'bad secret'}) == 'bad secret'


def test_token_once_with_realm_header_and_basic_auth():
    server = Server([TOKEN, (200, {'catalogs': []}), (200, {'principals': []})])
    polaris = client(server)
    assert polaris.get('catalogs') == {'catalogs': []}
    polaris.get('principals')
    token_call, first, second = server.requests
    assert token_call['url'] == 'http://127.0.0.1:8181/api/catalog/v1/oauth/tokens'
    assert token_call['headers']['Authorization'].startswith('Basic ')
    assert SECRET not in token_call['data']  # in the Basic header, not the form
    assert first['headers']['Authorization'] == 'Bearer tok-1'
    assert first['headers']['Polaris-Realm'] == 'POLARIS' and second['headers']['Polaris-Realm'] == 'POLARIS'


def test_token_renewed_after_401_and_before_expiry():
    server = Server([TOKEN, (401, {'error': {'message': 'expired'}}),
                     (200, {'access_token': 'tok-2', 'expires_in': 3600}), (200, {'ok': 1})])
    polaris = client(server)
    assert polaris.get('catalogs') == {'ok': 1}
    assert server.requests[-1]['headers']['Authorization'] == 'Bearer tok-2'
    now = [0.0]
    server = Server([(200, {'access_token': 'a', 'expires_in': 100}), (200, {}),
                     (200, {'access_token': 'b', 'expires_in': 100}), (200, {})])
    polaris = client(server, clock=lambda: now[0])
    polaris.get('x')
    now[0] = 95.0  # within the last tenth of the token's life
    polaris.get('x')
    assert server.requests[-1]['headers']['Authorization'] == 'Bearer b'


def test_429_and_503_retried_then_one_line_error():
    server = Server([TOKEN, (429, {}, {'Retry-After': '1'}), (503, {}), (200, {'ok': 1})])
    assert client(server).get('catalogs') == {'ok': 1}
    server = Server([TOKEN] + [(503, {'error': {'message': 'Service Unavailable'}})] * 5)
    with pytest.raises(PolarisError) as caught:
        client(server).get('catalogs')
    assert caught.value.status == 503
    assert str(caught.value) == 'Polaris GET /api/management/v1/catalogs: HTTP 503: Service Unavailable.'


def test_errors_carry_polaris_message_and_hint_never_the_secret():
    server = Server([(401, {'error': 'unauthorized_client', 'error_description': 'The client is not authorized'})])
    with pytest.raises(PolarisError) as caught:
        client(server).get('catalogs')
    message = str(caught.value)
    assert message.startswith('Polaris POST /api/catalog/v1/oauth/tokens: HTTP 401: The client is not authorized')
    assert 'polaris_client_secret' in message and SECRET not in message and '\n' not in message
    server = Server([TOKEN, (403, {'error': {'message': 'Principal x is not authorized for op CREATE_CATALOG'}})])
    with pytest.raises(PolarisError) as caught:
        client(server).request('POST', 'catalogs', {'catalog': {}})
    assert 'is not authorized for op CREATE_CATALOG' in str(caught.value) and 'grant' in str(caught.value)


def test_missing_ok_and_unreachable():
    server = Server([TOKEN, (404, {'error': {'message': 'not found'}})])
    assert client(server).get('catalogs/x', missing_ok=True) is None
    server = Server([None] * 5)
    with pytest.raises(PolarisError) as caught:
        client(server, retries=2).get('catalogs')
    assert caught.value.status is None and 'not reachable' in str(caught.value) and 'polaris_uri' in str(caught.value)


def test_connection_spec_and_problems():
    spec = polaris_argument_spec()
    assert spec['polaris_client_secret']['no_log'] is True and spec['polaris_token']['no_log'] is True
    assert spec['polaris_uri']['required'] is True and polaris_argument_spec(required=False)['polaris_uri']['required'] is False
    assert 'polaris_client_id' in polaris_connection_problem({'polaris_uri': 'http://x'})
    assert polaris_connection_problem({'polaris_uri': 'http://x', 'polaris_token': 't'}) is None


def test_plain_http_reuses_one_connection_and_survives_a_server_close():
    """The default transport for http:// (no proxy): one keep-alive connection, re-opened when the server drops it."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    peers = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_POST(self):
            self.rfile.read(int(self.headers.get('Content-Length') or 0))
            self._answer({'access_token': 't', 'expires_in': 3600})

        def do_GET(self):
            peers.append(self.client_address)
            self._answer({'catalogs': []}, close=self.path.endswith('close'))

        def _answer(self, body, close=False):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            if close:
                self.send_header('Connection', 'close')
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        polaris = PolarisClient('http://127.0.0.1:%d' % server.server_port, 'id', 'secret', realm='POLARIS')
        polaris.get('catalogs')
        polaris.get('catalogs')
        assert len(peers) == 2 and peers[0] == peers[1]  # the same client socket
        polaris.get('close')  # the server closes after answering
        assert polaris.get('catalogs') == {'catalogs': []}
        assert peers[-1] != peers[0]
        polaris.close()
    finally:
        server.shutdown()
        server.server_close()
