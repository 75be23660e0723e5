# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local Kubernetes control plane for the local stack: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (one fake node), optionally Flux (source-controller, helm-controller) with a loopback
chart repository. Binaries are built from Go modules by the local_stack role (files/kubernetes-build.sh).

PODS ARE SIMULATED: kwok marks pods Running/Ready on its fake node, no container ever runs. The API server,
its admission, RBAC, controllers and Flux's reconciliation are real.

Certificates (a CA, the API server's serving certificate, an admin client certificate in system:masters, the
service-account key pair) are made with the openssl CLI into <state_dir>/kubernetes/pki (0700, keys 0600); the
admin kubeconfig, with the certificates embedded, is <state_dir>/credentials/kubeconfig (0600).

Every process runs with its working directory <state_dir>/kubernetes: a PID is ours only when it runs the
expected program AND has that cwd, so a reused PID or someone else's kube-apiserver is never signalled.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import secrets
import sys

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import ConnectionError as UrlConnectionError, open_url

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.local_process import (
    StackError, ensure_port_free, port_open, process_cmdline, read_pid, remove_stale_pid_file, rss_mib, run, spawn,
    stop_pid, tail, wait_until, write_private_file,
)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False

SIMULATED_PODS = 'pods are simulated by kwok: no container runs'
FIELD_MANAGER = 'dataplatform-lakehouse'
FLUX_NAMESPACE = 'flux-system'
SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16'
DEFAULT_PORTS = dict(etcd=16379, etcd_peer=16380, apiserver=16443, controller_manager=16257, scheduler=16259,
                     kwok=16247, source_controller_metrics=16080, source_controller_health=16440,
                     source_controller_storage=16090, helm_controller_metrics=16081, helm_controller_health=16441,
                     chart_repository=16879)
CORE = ('etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok')
FLUX = ('source-controller', 'helm-controller', 'chart-repository')
# The option that moves each component's ports (for the "port in use" message).
PORT_OPTIONS = {'etcd': ('etcd', 'etcd_peer'), 'kube-apiserver': ('apiserver',),
                'kube-controller-manager': ('controller_manager',), 'kube-scheduler': ('scheduler',),
                'kwok': ('kwok',),
                'source-controller': ('source_controller_metrics', 'source_controller_health',
                                      'source_controller_storage'),
                'helm-controller': ('helm_controller_metrics', 'helm_controller_health'),
                'chart-repository': ('chart_repository',)}


def ports_with_defaults(ports, reserved=None):
    """The port map with defaults for what is not given; refuses duplicates and the other services' ports.

    reserved maps a port of the other services to its option name ({7480: 'rgw_port', ...}).
    """
    merged = dict(DEFAULT_PORTS)
    merged.update(dict((key, int(value)) for key, value in (ports or {}).items() if value is not None))
    for key in sorted(merged):
        if merged[key] in (reserved or {}):
            raise StackError('kubernetes_ports.%s is %d, the port of %s; choose another port.'
                             % (key, merged[key], reserved[merged[key]]), service='kubernetes')
    seen = {}
    for key in sorted(merged):
        if merged[key] in seen:
            raise StackError('kubernetes_ports.%s and kubernetes_ports.%s are both %d; give each its own port.'
                             % (seen[merged[key]], key, merged[key]), service='kubernetes')
        seen[merged[key]] = key
    return merged


def openssl_commands(pki_dir, openssl='openssl', days=3650):
    """The openssl argv lists (and the extension files they read) that make the control plane's certificates.

    Returns (files, commands): files maps a file name in pki_dir to its text (OpenSSL configs), commands is the
    ordered list of argv lists. Pure: the caller writes the files and runs the commands in pki_dir.
    """
    def path(name):
        return os.path.join(pki_dir, name)

    files = {
        'ca.cnf': ('[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3\n'
                   '[dn]\nCN = dataplatform-lakehouse-local-ca\n'
                   '[v3]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n'
                   'subjectKeyIdentifier = hash\n'),
        'apiserver.ext': ('basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, '
                          'keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, '
                          'DNS:localhost, IP:10.96.0.1, DNS:kubernetes, DNS:kubernetes.default, '
                          'DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local\n'),
        'client.ext': ('basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, '
                       'keyEncipherment\nextendedKeyUsage = clientAuth\n'),
    }
    commands = [
        [openssl, 'req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-sha256', '-days', str(days),
         '-config', path('ca.cnf'), '-keyout', path('ca.key'), '-out', path('ca.crt')],
    ]
    for name, subject, ext in (('apiserver', '/CN=kube-apiserver', 'apiserver.ext'),
                               ('admin', '/O=system:masters/CN=dataplatform-lakehouse-admin', 'client.ext')):
        commands.append([openssl, 'req', '-new', '-nodes', '-newkey', 'rsa:2048', '-sha256', '-subj', subject,
                         '-keyout', path(name + '.key'), '-out', path(name + '.csr')])
        commands.append([openssl, 'x509', '-req', '-sha256', '-days', str(days), '-in', path(name + '.csr'),
                         '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-set_serial',
                         '0x' + secrets.token_hex(16), '-extfile', path(ext), '-out', path(name + '.crt')])
    commands.append([openssl, 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048',
                     '-out', path('sa.key')])
    commands.append([openssl, 'pkey', '-in', path('sa.key'), '-pubout', '-out', path('sa.pub')])
    return files, commands


PKI_FILES = ('ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'sa.key', 'sa.pub')


def render_kubeconfig(server, ca_pem, cert_pem, key_pem, name='dataplatform-lakehouse'):
    """A kubeconfig (JSON, which is YAML) with the CA and the admin client certificate embedded."""
    def b64(text):
        return base64.b64encode(text.encode('ascii') if not isinstance(text, bytes) else text).decode('ascii')

    config = {
        'apiVersion': 'v1', 'kind': 'Config', 'preferences': {}, 'current-context': name,
        'clusters': [{'name': name, 'cluster': {'server': server, 'certificate-authority-data': b64(ca_pem)}}],
        'users': [{'name': name + '-admin',
                   'user': {'client-certificate-data': b64(cert_pem), 'client-key-data': b64(key_pem)}}],
        'contexts': [{'name': name, 'context': {'cluster': name, 'user': name + '-admin', 'namespace': 'default'}}],
    }
    return json.dumps(config, indent=2, sort_keys=True) + '\n'


def fake_node(name):
    """The kwok node: annotated for kwok, no taint (charts schedule on it as on a real node)."""
    return {
        'apiVersion': 'v1', 'kind': 'Node',
        'metadata': {'name': name, 'annotations': {'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0'},
                     'labels': {'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
                                'kubernetes.io/arch': 'amd64', 'type': 'kwok'}},
        'status': {'allocatable': {'cpu': '32', 'memory': '256Gi', 'pods': '110'},
                   'capacity': {'cpu': '32', 'memory': '256Gi', 'pods': '110'},
                   'nodeInfo': {'architecture': 'amd64', 'operatingSystem': 'linux',
                                'kubeletVersion': 'fake', 'kubeProxyVersion': 'fake'}},
    }


def component_argv(name, bin_dir, work_dir, pki_dir, kubeconfig, ports, host='127.0.0.1', kwok_config=None,
                   storage_dir=None, chart_dir=None, python=None):
    """The command line of one component (pure; unit-tested)."""
    def pki(file_name):
        return os.path.join(pki_dir, file_name)

    def addr(key):
        return '%s:%d' % (host, ports[key])

    binary = os.path.join(bin_dir or '', name)
    if name == 'etcd':
        peer = 'http://%s' % addr('etcd_peer')
        return [binary, '--name', 'local', '--data-dir', os.path.join(work_dir, 'etcd'),
                '--listen-client-urls', 'http://%s' % addr('etcd'), '--advertise-client-urls',
                'http://%s' % addr('etcd'), '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
                '--initial-cluster', 'local=' + peer, '--log-level', 'warn', '--quota-backend-bytes', '2147483648']
    if name == 'kube-apiserver':
        return [binary, '--etcd-servers', 'http://%s' % addr('etcd'), '--bind-address', host,
                '--advertise-address', host, '--secure-port', str(ports['apiserver']),
                # The default reconciler refuses a loopback address ("cannot use public IP 127.0.0.1").
                '--endpoint-reconciler-type', 'none',
                '--tls-cert-file', pki('apiserver.crt'), '--tls-private-key-file', pki('apiserver.key'),
                '--client-ca-file', pki('ca.crt'), '--service-account-issuer', 'https://kubernetes.default.svc',
                '--service-account-key-file', pki('sa.pub'), '--service-account-signing-key-file', pki('sa.key'),
                '--service-cluster-ip-range', SERVICE_CLUSTER_IP_RANGE, '--authorization-mode', 'Node,RBAC',
                '--allow-privileged=true', '--profiling=false', '--cert-dir', os.path.join(work_dir, 'certs'),
                # Without a request-header CA every controller logs "missing content for CA bundle" each 10 s. No
                # certificate with the allowed name is ever issued, so no client can use the headers.
                '--requestheader-client-ca-file', pki('ca.crt'), '--requestheader-allowed-names', 'front-proxy-client',
                '--requestheader-username-headers', 'X-Remote-User', '--requestheader-group-headers', 'X-Remote-Group',
                '--requestheader-extra-headers-prefix', 'X-Remote-Extra-']
    auth = ['--kubeconfig', kubeconfig, '--authentication-kubeconfig', kubeconfig,
            '--authorization-kubeconfig', kubeconfig, '--bind-address', host, '--leader-elect=false']
    if name == 'kube-controller-manager':
        return [binary] + auth + [
            '--secure-port', str(ports['controller_manager']), '--use-service-account-credentials',
            '--service-account-private-key-file', pki('sa.key'), '--root-ca-file', pki('ca.crt'),
            '--cluster-signing-cert-file', pki('ca.crt'), '--cluster-signing-key-file', pki('ca.key'),
            '--service-cluster-ip-range', SERVICE_CLUSTER_IP_RANGE, '--cert-dir', os.path.join(work_dir, 'certs')]
    if name == 'kube-scheduler':
        return [binary] + auth + ['--secure-port', str(ports['scheduler']),
                                  '--cert-dir', os.path.join(work_dir, 'certs')]
    if name == 'kwok':
        return [binary, '--kubeconfig', kubeconfig, '--manage-all-nodes=true', '--config', kwok_config,
                '--server-address', addr('kwok'), '--node-ip', host]
    if name == 'source-controller':
        return [binary, '--enable-leader-election=false', '--watch-all-namespaces=true',
                '--metrics-addr', addr('source_controller_metrics'),
                '--health-addr', addr('source_controller_health'), '--storage-path', storage_dir,
                '--storage-addr', addr('source_controller_storage'),
                '--storage-adv-addr', addr('source_controller_storage'), '--log-level', 'info']
    if name == 'helm-controller':
        return [binary, '--enable-leader-election=false', '--watch-all-namespaces=true',
                '--metrics-addr', addr('helm_controller_metrics'), '--health-addr', addr('helm_controller_health'),
                '--log-level', 'info']
    if name == 'chart-repository':
        return [python or sys.executable, '-m', 'http.server', '--bind', host, '--directory', chart_dir,
                str(ports['chart_repository'])]
    raise ValueError('unknown component %s' % name)


def process_marker(name):
    """What argv must contain for a PID to be taken for this component (plus our working directory)."""
    return 'http.server' if name == 'chart-repository' else name


def owned_pid(pid, name, work_dir):
    """pid when it is alive, runs this component and has work_dir as cwd (we start every process there)."""
    if not pid:
        return None
    argv = process_cmdline(pid)
    if not argv:
        return None
    if name == 'chart-repository':
        if 'http.server' not in argv:
            return None
    elif os.path.basename(argv[0]) != name:
        return None
    try:
        cwd = os.readlink('/proc/%d/cwd' % pid)
    except OSError:
        return None
    return pid if os.path.abspath(cwd) == os.path.abspath(work_dir) else None


class ApiClient(object):
    """The few calls we make to the API server: stdlib HTTPS with the admin client certificate."""

    def __init__(self, server, pki_dir, timeout=10):
        self.server = server
        self.pki_dir = pki_dir
        self.timeout = timeout

    def call(self, method, path, body=None, content_type='application/json'):
        """(status, parsed JSON or text); status 0 when the server cannot be reached."""
        data = None
        headers = {'Accept': 'application/json'}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode('utf-8')
            headers['Content-Type'] = content_type
        try:
            response = open_url(self.server + path, data=data, method=method, headers=headers, timeout=self.timeout,
                                ca_path=os.path.join(self.pki_dir, 'ca.crt'), use_proxy=False,
                                client_cert=os.path.join(self.pki_dir, 'admin.crt'),
                                client_key=os.path.join(self.pki_dir, 'admin.key'))
            status, raw = response.status, response.read()
        except HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (URLError, UrlConnectionError, OSError, ValueError) as exc:
            return 0, str(getattr(exc, 'reason', exc))
        text = raw.decode('utf-8', 'replace')
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def ok(self, path):
        return self.call('GET', path)[0] == 200

    def apply(self, path, document):
        """Server-side apply of one object (path is its URL, name included); raises StackError on refusal."""
        status, answer = self.call('PATCH', '%s?fieldManager=%s&force=true' % (path, FIELD_MANAGER),
                                   json.dumps(document).encode('utf-8'), 'application/apply-patch+yaml')
        if status not in (200, 201):
            message = answer.get('message') if isinstance(answer, dict) else answer
            raise StackError('the API server refused %s %s: %s' % (document.get('kind'),
                             document.get('metadata', {}).get('name'), message), service='kubernetes')
        return answer


def has_condition(obj, kind):
    """True when the object (an API answer: a dict, or an error text) has condition `kind` with status True."""
    if not isinstance(obj, dict):
        return False
    for condition in (obj.get('status') or {}).get('conditions') or []:
        if condition.get('type') == kind:
            return condition.get('status') == 'True'
    return False


def node_ready(node):
    return has_condition(node, 'Ready')


def crd_established(crd):
    return has_condition(crd, 'Established')


def load_documents(paths):
    """The YAML documents of the files (empty ones skipped), in order."""
    documents = []
    for path in paths:
        with open(path) as handle:
            documents.extend(doc for doc in yaml.safe_load_all(handle) if doc)
    return documents


class KubernetesService(object):
    name = 'kubernetes'

    def __init__(self, state_dir, bin_dir=None, host='127.0.0.1', ports=None, flux=True, chart_repository_dir=None,
                 crd_files=None, kwok_stage_files=None, node_name='kwok-node-0', start_timeout=240, log_lines=20,
                 openssl='openssl', reserved_ports=None):
        self.state_dir = state_dir
        self.bin_dir = bin_dir
        self.host = host
        self.ports = ports_with_defaults(ports, reserved_ports)
        self.flux = flux
        self.chart_repository_dir = chart_repository_dir
        self.crd_files = list(crd_files or [])
        self.kwok_stage_files = list(kwok_stage_files or [])
        self.node_name = node_name
        self.start_timeout = start_timeout
        self.log_lines = log_lines
        self.openssl = openssl
        self.work_dir = os.path.join(state_dir, 'kubernetes')
        self.pki_dir = os.path.join(self.work_dir, 'pki')
        self.log_dir = os.path.join(state_dir, 'logs')
        self.kubeconfig = os.path.join(state_dir, 'credentials', 'kubeconfig')
        self.server = 'https://%s:%d' % (host, self.ports['apiserver'])
        self.api = ApiClient(self.server, self.pki_dir)

    # --- processes -------------------------------------------------------------------------------------------
    def components(self):
        return CORE + (FLUX if self.flux else ())

    def pid_file(self, component):
        return os.path.join(self.work_dir, component + '.pid')

    def log_file(self, component):
        return os.path.join(self.log_dir, 'kubernetes-%s.log' % component)

    def pid(self, component):
        return owned_pid(read_pid(self.pid_file(component)), component, self.work_dir)

    def _argv(self, component):
        return component_argv(component, self.bin_dir, self.work_dir, self.pki_dir, self.kubeconfig, self.ports,
                              host=self.host, kwok_config=os.path.join(self.work_dir, 'kwok-stages.yaml'),
                              storage_dir=os.path.join(self.work_dir, 'source-controller'),
                              chart_dir=self.chart_repository_dir)

    def _environment(self):
        env = dict(os.environ)
        # Flux controllers take no --kubeconfig flag; RUNTIME_NAMESPACE is where they record events.
        env.update({'KUBECONFIG': self.kubeconfig, 'RUNTIME_NAMESPACE': FLUX_NAMESPACE})
        for name in ('KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'HTTPS_PROXY', 'https_proxy',
                     'HTTP_PROXY', 'http_proxy'):
            env.pop(name, None)
        env['NO_PROXY'] = env['no_proxy'] = '127.0.0.1,localhost'
        return env

    # --- certificates and kubeconfig -----------------------------------------------------------------------
    def ensure_pki(self):
        """Make the CA and certificates once (kept across restarts); write the kubeconfig. True if made."""
        made = False
        if not all(os.path.exists(os.path.join(self.pki_dir, name)) for name in PKI_FILES):
            if not os.path.isdir(self.pki_dir):
                os.makedirs(self.pki_dir, 0o700)
            os.chmod(self.pki_dir, 0o700)
            files, commands = openssl_commands(self.pki_dir, self.openssl)
            for file_name, text in files.items():
                with open(os.path.join(self.pki_dir, file_name), 'w') as handle:
                    handle.write(text)
            for argv in commands:
                run(argv, timeout=60, service=self.name, cwd=self.pki_dir)
            for file_name in os.listdir(self.pki_dir):
                os.chmod(os.path.join(self.pki_dir, file_name), 0o600 if file_name.endswith('.key') else 0o644)
            made = True
        if made or not os.path.exists(self.kubeconfig):
            cred_dir = os.path.dirname(self.kubeconfig)
            if not os.path.isdir(cred_dir):
                os.makedirs(cred_dir, 0o700)

            def read(file_name):
                with open(os.path.join(self.pki_dir, file_name)) as handle:
                    return handle.read()
            write_private_file(self.kubeconfig, render_kubeconfig(self.server, read('ca.crt'), read('admin.crt'),
                                                                  read('admin.key')))
        return made

    # --- health ----------------------------------------------------------------------------------------------
    def _http_ok(self, port, path):
        try:
            return open_url('http://%s:%d%s' % (self.host, port, path), timeout=3, use_proxy=False).status == 200
        except (URLError, UrlConnectionError, OSError, ValueError):
            return False

    def component_ready(self, component):
        if component == 'etcd':
            return self._http_ok(self.ports['etcd'], '/health')
        if component == 'kube-apiserver':
            return self.api.ok('/readyz')
        if component == 'source-controller':
            return self._http_ok(self.ports['source_controller_health'], '/readyz')
        if component == 'helm-controller':
            return self._http_ok(self.ports['helm_controller_health'], '/readyz')
        if component == 'chart-repository':
            return self._http_ok(self.ports['chart_repository'], '/index.yaml')
        # controller-manager, scheduler, kwok: judged by what they do (ServiceAccounts, the node Ready).
        return True

    def checks(self):
        """What 'started' means, each check by name: True/False."""
        result = {'readyz': self.api.ok('/readyz')}
        result['default_service_accounts'] = result['readyz'] and self.api.ok(
            '/api/v1/namespaces/default/serviceaccounts/default')
        status, node = self.api.call('GET', '/api/v1/nodes/%s' % self.node_name) if result['readyz'] else (0, None)
        result['node_ready'] = status == 200 and node_ready(node)
        if self.flux:
            result['flux'] = all(self.component_ready(name) for name in FLUX)
            result['crds_established'] = result['readyz'] and all(
                crd_established(self.api.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/%s'
                                              % name)[1]) for name in self.crd_names())
        return result

    def crd_names(self):
        return [doc['metadata']['name'] for doc in load_documents(self.crd_files)
                if doc.get('kind') == 'CustomResourceDefinition']

    def healthy(self):
        return all(self.checks().values())

    def status(self):
        daemons = {}
        for component in self.components():
            pid = self.pid(component)
            daemons[component] = {'pid': pid, 'running': pid is not None, 'rss_mib': rss_mib(pid) if pid else None}
        running = all(info['running'] for info in daemons.values())
        checks = self.checks() if daemons['kube-apiserver']['running'] else {}
        return {'name': self.name, 'running': running, 'healthy': running and bool(checks) and all(checks.values()),
                'checks': checks, 'daemons': daemons, 'pid': daemons['kube-apiserver']['pid'],
                'rss_mib': round(sum(info['rss_mib'] or 0 for info in daemons.values()), 1),
                'endpoint': '%s (%s)' % (self.server, SIMULATED_PODS), 'kubeconfig': self.kubeconfig,
                'simulated_pods': True}

    # --- start/stop ------------------------------------------------------------------------------------------
    def _fail(self, component, reason):
        lines = tail(self.log_file(component), self.log_lines)
        errors = [line for line in lines if re.search(r'\b(E\d{4}|error|ERROR|fatal|panic)', line)]
        raise StackError('Kubernetes %s %s (log %s): %s' % (component, reason, self.log_file(component),
                                                            (errors or lines or ['no output'])[-1].strip()),
                         service=self.name, log_tail=lines)

    def _check_inputs(self):
        if not self.bin_dir:
            raise StackError('kubernetes_bin_dir is required to start the kubernetes service; run the '
                             'dataplatform.lakehouse.local_stack role, which builds the binaries.', service=self.name)
        missing = [name for name in self.components() if name != 'chart-repository'
                   and not os.access(os.path.join(self.bin_dir, name), os.X_OK)]
        if missing:
            raise StackError('The Kubernetes binaries %s are not built in %s; run the local_stack role (it builds '
                             'them from the Go module proxy) or set kubernetes_bin_dir.'
                             % (', '.join(missing), self.bin_dir), service=self.name)
        if not self.kwok_stage_files:
            raise StackError('kubernetes_kwok_stage_files is empty: kwok exits "no stages found" without them; '
                             'run the local_stack role, which takes them from the kwok module.', service=self.name)
        if self.flux and not (self.chart_repository_dir
                              and os.path.exists(os.path.join(self.chart_repository_dir, 'index.yaml'))):
            raise StackError('No Helm chart repository (index.yaml) in %s; set kubernetes_chart_repository_dir to a '
                             'directory holding index.yaml and the chart archives, or set kubernetes_flux=false.'
                             % self.chart_repository_dir, service=self.name)

    def _start_component(self, component):
        if self.pid(component):
            return False
        remove_stale_pid_file(self.pid_file(component), process_marker(component))
        for key in PORT_OPTIONS[component]:
            ensure_port_free('Kubernetes %s' % component, self.host, self.ports[key], 'kubernetes_ports.%s' % key,
                             service=self.name)
        spawn(self._argv(component), self.log_file(component), pid_file=self.pid_file(component),
              env=self._environment(), cwd=self.work_dir)
        ok, dummy = wait_until(lambda: self.component_ready(component), self.start_timeout, interval=0.5,
                               alive=lambda: self.pid(component) is not None)
        if not ok:
            self._fail(component, 'exited during start-up' if self.pid(component) is None
                       else 'did not become ready within %ds' % self.start_timeout)
        return True

    def _wait(self, what, predicate, component):
        ok, dummy = wait_until(predicate, self.start_timeout, interval=0.5,
                               alive=lambda: self.pid(component) is not None)
        if not ok:
            self._fail(component, 'exited before %s' % what if self.pid(component) is None
                       else 'started, but %s within %ds' % (what, self.start_timeout))

    def _write_kwok_stages(self):
        text = ''.join(open(path).read().rstrip('\n') + '\n---\n' for path in self.kwok_stage_files)
        with open(os.path.join(self.work_dir, 'kwok-stages.yaml'), 'w') as handle:
            handle.write(text)

    def _apply_objects(self):
        self.api.apply('/api/v1/nodes/%s' % self.node_name, fake_node(self.node_name))
        if self.flux:
            self.api.apply('/api/v1/namespaces/%s' % FLUX_NAMESPACE,
                           {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': FLUX_NAMESPACE}})
            for doc in load_documents(self.crd_files):
                self.api.apply('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/%s'
                               % doc['metadata']['name'], doc)

    def write_connection_file(self):
        """<state_dir>/credentials/kubernetes.json (0600): what tests and playbooks need to reach this cluster."""
        text = json.dumps(self.facts(), indent=2, sort_keys=True) + '\n'
        path = os.path.join(os.path.dirname(self.kubeconfig), 'kubernetes.json')
        if not os.path.exists(path) or open(path).read() != text:
            write_private_file(path, text)

    def start(self):
        if all(self.pid(component) for component in self.components()) and self.healthy():
            self.write_connection_file()
            return False
        self._check_inputs()
        # source-controller refuses a storage path that does not exist ("invalid dir path").
        for path in (self.work_dir, self.log_dir, os.path.join(self.work_dir, 'source-controller')):
            if not os.path.isdir(path):
                os.makedirs(path, 0o755)
        self.ensure_pki()
        self._write_kwok_stages()
        for component in ('etcd', 'kube-apiserver'):
            self._start_component(component)
        self._apply_objects()
        for component in ('kube-controller-manager', 'kube-scheduler', 'kwok'):
            self._start_component(component)
        self._wait('created the default ServiceAccount',
                   lambda: self.api.ok('/api/v1/namespaces/default/serviceaccounts/default'),
                   'kube-controller-manager')
        self._wait('reported node %s Ready' % self.node_name,
                   lambda: node_ready(self.api.call('GET', '/api/v1/nodes/%s' % self.node_name)[1]), 'kwok')
        if self.flux:
            names = self.crd_names()
            self._wait('established the CRDs', lambda: all(crd_established(self.api.call(
                'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/%s' % name)[1]) for name in names),
                'kube-apiserver')
            for component in FLUX:
                self._start_component(component)
        self.write_connection_file()
        return True

    def stop(self):
        stopped = False
        for component in reversed(self.components()):
            pid = self.pid(component)
            if pid:
                stop_pid(pid, process_marker(component), term_timeout=30)
                stopped = True
            if self.pid(component) is None and os.path.exists(self.pid_file(component)):
                os.unlink(self.pid_file(component))
        return stopped

    # --- facts -----------------------------------------------------------------------------------------------
    def facts(self):
        facts = dict(api_server=self.server, kubeconfig=self.kubeconfig, ca_file=os.path.join(self.pki_dir, 'ca.crt'),
                     node=self.node_name, simulated_pods=True, note=SIMULATED_PODS, ports=dict(self.ports),
                     log_dir=self.log_dir, flux=self.flux)
        if self.flux:
            facts.update(flux_namespace=FLUX_NAMESPACE,
                         chart_repository_url='http://%s:%d' % (self.host, self.ports['chart_repository']),
                         chart_repository_dir=self.chart_repository_dir)
        return facts

    def versions(self):
        out = {}
        if self.pid('kube-apiserver'):
            status, answer = self.api.call('GET', '/version')
            if status == 200 and isinstance(answer, dict):
                out['kubernetes'] = answer.get('gitVersion', '').lstrip('v')
        if self.pid('etcd') and port_open(self.host, self.ports['etcd']):
            try:
                out['etcd'] = json.loads(open_url('http://%s:%d/version' % (self.host, self.ports['etcd']), timeout=3,
                                                  use_proxy=False).read().decode('utf-8')).get('etcdserver')
            except (URLError, UrlConnectionError, OSError, ValueError):
                pass
        return out
