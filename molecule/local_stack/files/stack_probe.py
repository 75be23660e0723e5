"""Probe the local stack with the raw clients (boto3, psycopg, HTTP), for the Molecule scenario.

  stack_probe.py write  STATE_DIR   put a marker object in RGW (and a catalog in Polaris when it runs)
  stack_probe.py kill9  STATE_DIR   SIGKILL the Ceph daemons (PIDs from the stack's own pid files)
  stack_probe.py verify STATE_DIR   print a JSON report: round trips, persisted data, listeners, file modes

Credentials are read from the stack's files and never printed.
"""
import base64
import json
import os
import signal
import sys
import urllib.parse
import urllib.request
import uuid

BUCKET = 'molecule-persist'
KEY = 'persist/marker.txt'
CATALOG = 'molecule_persist'


def load(state_dir, name):
    path = os.path.join(state_dir, 'credentials', name + '.json')
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def s3_client(state_dir):
    import boto3
    from botocore.config import Config
    creds = load(state_dir, 's3')
    return boto3.client('s3', endpoint_url=creds['endpoint_url'], aws_access_key_id=creds['access_key'],
                        aws_secret_access_key=creds['secret_key'], region_name=creds['region'],
                        config=Config(s3={'addressing_style': 'path'}, signature_version='s3v4',
                                      request_checksum_calculation='when_required',
                                      response_checksum_validation='when_required'))


def polaris_call(creds, path, method='GET', body=None):
    basic = base64.b64encode(('%s:%s' % (creds['client_id'], creds['client_secret'])).encode()).decode()
    data = urllib.parse.urlencode({'grant_type': 'client_credentials', 'scope': 'PRINCIPAL_ROLE:ALL'}).encode()
    req = urllib.request.Request(creds['uri'] + '/api/catalog/v1/oauth/tokens', data=data,
                                 headers={'Authorization': 'Basic ' + basic, 'Polaris-Realm': creds['realm']})
    token = json.load(urllib.request.urlopen(req, timeout=10))['access_token']
    req = urllib.request.Request(creds['uri'] + '/api/management/v1' + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json',
                                          'Polaris-Realm': creds['realm']})
    with urllib.request.urlopen(req, timeout=10) as response:
        text = response.read()
    return json.loads(text) if text else {}


def marker_path(state_dir):
    return os.path.join(state_dir, 'molecule-marker.txt')


def write(state_dir):
    client = s3_client(state_dir)
    try:
        client.create_bucket(Bucket=BUCKET)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    content = 'marker-%s' % uuid.uuid4()
    client.put_object(Bucket=BUCKET, Key=KEY, Body=content.encode())
    with open(marker_path(state_dir), 'w') as handle:
        handle.write(content)
    polaris = load(state_dir, 'polaris')
    if polaris:
        names = [c['name'] for c in polaris_call(polaris, '/catalogs').get('catalogs', [])]
        if CATALOG not in names:
            polaris_call(polaris, '/catalogs', 'POST', {'catalog': {
                'name': CATALOG, 'type': 'INTERNAL',
                'properties': {'default-base-location': 's3://%s/warehouse/' % BUCKET},
                'storageConfigInfo': {'storageType': 'S3', 'allowedLocations': ['s3://%s/' % BUCKET],
                                      'endpoint': load(state_dir, 's3')['endpoint_url'], 'pathStyleAccess': True,
                                      'stsUnavailable': True, 'region': 'us-east-1'}}})
    print(json.dumps({'written': True}))


def kill9(state_dir):
    killed = []
    run_dir = os.path.join(state_dir, 'ceph', 'run')
    for name in ('radosgw', 'ceph-osd', 'ceph-mon'):
        path = os.path.join(run_dir, name + '.pid')
        with open(path) as handle:
            pid = int(handle.read().split()[0])
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            if name.encode() not in handle.read():
                raise SystemExit('pid %d from %s is not %s' % (pid, path, name))
        os.kill(pid, signal.SIGKILL)
        killed.append(name)
    print(json.dumps({'killed': killed}))


def stack_pids(state_dir):
    pids = []
    for root, _dirs, files in os.walk(state_dir):
        for name in files:
            if name.endswith('.pid'):
                try:
                    with open(os.path.join(root, name)) as handle:
                        pids.append(int(handle.read().split()[0]))
                except (OSError, ValueError, IndexError):
                    pass
    return [pid for pid in pids if os.path.exists('/proc/%d' % pid)]


def non_loopback_listeners(pids):
    inodes = {}
    for pid in pids:
        try:
            for fd in os.listdir('/proc/%d/fd' % pid):
                try:
                    target = os.readlink('/proc/%d/fd/%s' % (pid, fd))
                except OSError:
                    continue
                if target.startswith('socket:['):
                    inodes[target[8:-1]] = pid
        except OSError:
            continue
    bad = []
    # tcp6: ::1, and ::ffff:127.0.0.1, where a JVM (Polaris) binds 127.0.0.1 on a dual-stack socket.
    loopback6 = ('00000000000000000000000001000000', '0000000000000000FFFF00000100007F')
    for table, loopback in (('/proc/net/tcp', ('0100007F',)), ('/proc/net/tcp6', loopback6)):
        with open(table) as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                address, port = fields[1].split(':')
                if fields[3] == '0A' and fields[9] in inodes and address not in loopback:
                    bad.append({'pid': inodes[fields[9]], 'address': address, 'port': int(port, 16)})
    return bad


def verify(state_dir):
    report = {'s3': {}, 'postgresql': {}, 'polaris': {}}
    client = s3_client(state_dir)
    key = 'probe/%s' % uuid.uuid4()
    client.put_object(Bucket=BUCKET, Key=key, Body=b'roundtrip')
    report['s3']['roundtrip_ok'] = client.get_object(Bucket=BUCKET, Key=key)['Body'].read() == b'roundtrip'
    client.delete_object(Bucket=BUCKET, Key=key)
    with open(marker_path(state_dir)) as handle:
        expected = handle.read()
    report['s3']['persisted_object_ok'] = client.get_object(Bucket=BUCKET, Key=KEY)['Body'].read().decode() == expected

    import psycopg
    pg = load(state_dir, 'postgresql')
    with psycopg.connect(host=pg['host'], port=pg['port'], dbname=pg['database'], user=pg['user'],
                         password=pg['password'], connect_timeout=5) as conn:
        row = conn.execute('SHOW server_version').fetchone()
        report['postgresql'] = {'login_ok': True, 'server_version': row[0]}

    polaris = load(state_dir, 'polaris')
    if polaris:
        names = [c['name'] for c in polaris_call(polaris, '/catalogs').get('catalogs', [])]
        report['polaris'] = {'available': True, 'ok': CATALOG in names, 'catalogs': names}
    else:
        # Polaris could not be built on this machine (see the role's warning): nothing of it to verify.
        report['polaris'] = {'available': False}

    report['listeners_not_loopback'] = non_loopback_listeners(stack_pids(state_dir))
    cred_dir = os.path.join(state_dir, 'credentials')
    report['credential_modes'] = dict((name, oct(os.stat(os.path.join(cred_dir, name)).st_mode & 0o777))
                                      for name in sorted(os.listdir(cred_dir)))
    print(json.dumps(report))


if __name__ == '__main__':
    {'write': write, 'kill9': kill9, 'verify': verify}[sys.argv[1]](sys.argv[2])
