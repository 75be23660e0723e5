# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A principal's new credentials written to a file: JSON, mode 0600, atomically, optionally ansible-vault encrypted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import json
import os
import tempfile
import traceback

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.errors import LakehouseError
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import fsync_dir

try:
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.hmac import HMAC
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:  # ansible-core needs it on the controller; a managed node may lack it
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

VAULT_HEADER = b'$ANSIBLE_VAULT;1.1;AES256'


class CredentialsFileError(LakehouseError):
    """The credentials could not be written (the principal's credentials did change)."""


def credentials_document(principal, client_id, client_secret, realm=None):
    document = {'principal': principal, 'client_id': client_id, 'client_secret': client_secret}
    if realm:
        document['realm'] = realm
    return json.dumps(document, indent=2, sort_keys=True) + '\n'


def vault_password(password_file):
    """The vault password (first line of `password_file`), checked before anything changes."""
    if CRYPTOGRAPHY_IMPORT_ERROR:
        raise CredentialsFileError('credentials_vault_password_file is set but the Python library cryptography (which '
                                   'ansible-vault uses) does not import on this host; install it there or run the '
                                   'task on the controller (delegate_to: localhost).')
    try:
        with open(password_file, 'rb') as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError) as error:
        raise CredentialsFileError('cannot read the vault password from credentials_vault_password_file %s (%s); give '
                                   'a readable file whose first line is the password.' % (password_file, error))
    password = lines[0].strip() if lines else b''
    if not password:
        raise CredentialsFileError('credentials_vault_password_file %s is empty; put the vault password on its first '
                                   'line.' % password_file)
    return password


def vault_encrypt(text, password, salt=None):
    """`text` encrypted exactly as ``ansible-vault encrypt`` writes it (format 1.1, AES256).

    Why not ``ansible.parsing.vault``: importing the controller's ``ansible`` package inside a module switches the
    module's JSON profiles to controller mode, and AnsiballZ does not ship what they import (the module crashes
    before its first line). This is the same algorithm: PBKDF2-HMAC-SHA256 (10000 rounds, 32-byte salt) derives two
    AES-256 keys and the CTR nonce; PKCS7-padded AES-CTR; HMAC-SHA256 of the ciphertext; hex envelope in 80-column
    lines. ``ansible-vault view`` and the ``file`` lookup read it back.
    """
    salt = salt or os.urandom(32)
    derived = PBKDF2HMAC(algorithm=hashes.SHA256(), length=80, salt=salt, iterations=10000).derive(password)
    key1, key2, nonce = derived[:32], derived[32:64], derived[64:80]
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key1), modes.CTR(nonce)).encryptor()
    ciphertext = encryptor.update(padder.update(text.encode('utf-8')) + padder.finalize()) + encryptor.finalize()
    digest = HMAC(key2, hashes.SHA256())
    digest.update(ciphertext)
    parts = [binascii.hexlify(salt), binascii.hexlify(digest.finalize()), binascii.hexlify(ciphertext)]
    body = binascii.hexlify(b'\n'.join(parts))
    return b'\n'.join([VAULT_HEADER] + [body[index:index + 80] for index in range(0, len(body), 80)] + [b''])


def check_destination(path):
    """Refuse a credentials_file whose directory is missing or not writable (before the credentials change)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory) or not os.access(directory, os.W_OK | os.X_OK):
        raise CredentialsFileError('credentials_file %s: the directory %s does not exist or is not writable; create '
                                   'it first.' % (path, directory))
    if os.path.isdir(path):
        raise CredentialsFileError('credentials_file %s is a directory; give a file path.' % path)


def write_private(path, data):
    """Write bytes to `path` atomically (temporary file in the same directory, fsync, rename), mode 0600."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path))
    except (IOError, OSError) as error:
        raise CredentialsFileError('cannot create the credentials file in %s (%s); create the directory or choose '
                                   'another credentials_file. The new credentials are lost: rotate or reset them '
                                   'again.' % (directory, error))
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, data)
        os.fsync(handle)
        os.close(handle)
        handle = None
        os.rename(temporary, path)
        fsync_dir(directory)
    except (IOError, OSError) as error:
        if handle is not None:
            os.close(handle)
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise CredentialsFileError('cannot write the credentials file %s (%s); the new credentials are lost: rotate '
                                   'or reset them again.' % (path, error))
