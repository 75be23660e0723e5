"""Stand-in for ansible-test's pip bootstrap script (get-pip.py), whose download host is not reachable here.

ansible-test runs this file inside each fresh sanity virtualenv with pip-install arguments
(e.g. `--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel`). We bootstrap pip from the
interpreter's own ensurepip and then install the requested packages from the package index.
"""
import subprocess
import sys

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
if any(not arg.startswith('-') for arg in args):
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '-q'] + args)
