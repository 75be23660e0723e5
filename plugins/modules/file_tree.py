#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, dataplatform.lakehouse contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: file_tree
short_description: Write a set of rendered files under one directory in one task
version_added: 0.1.0
description:
  - Writes a set of files (such as manifests rendered with P(ansible.builtin.template#lookup)) under one directory, creating
    the directories they need. Only files whose content or mode differs are written, each atomically (a reader sees
    the old file or the new one, never half of it). Files under O(root) that are not in O(files) are left alone.
  - One task for the whole tree instead of one M(ansible.builtin.template) task per file, each of which starts a
    Python process on the host (about 0.5 s a file on 2 cores). The roles render the GitOps tree (a dozen files) and
    the Polaris build project on every run.
  - For files without secrets, as their content is shown in diff mode; the GitOps tree references Secrets by name only.
author:
  - dataplatform.lakehouse contributors (@dataplatform)
attributes:
  check_mode:
    support: full
    description: Reports which files would be written, writes nothing.
  diff_mode:
    support: full
    description: The before and after content of every file written (or that would be).
options:
  root:
    description: Directory the paths of O(files) are relative to; created when missing.
    type: path
    required: true
  files:
    description:
      - Relative path (below O(root), no C(..)) -> the file's full text.
    type: dict
    required: true
  mode:
    description: Mode of every file written, octal string.
    type: str
    default: '0644'
  directory_mode:
    description: Mode of the directories created, octal string.
    type: str
    default: '0755'
seealso:
  - module: ansible.builtin.template
'''

EXAMPLES = r'''
- name: Render the Polaris app of the GitOps tree
  dataplatform.lakehouse.file_tree:
    root: /srv/gitops/kubernetes/apps/data-platform/polaris/app
    files:
      helmrelease.yaml: "{{ lookup('ansible.builtin.template', 'helmrelease.yaml.j2') }}"
      kustomization.yaml: "{{ lookup('ansible.builtin.template', 'kustomization.yaml.j2') }}"
'''

RETURN = r'''
root:
  description: The directory written under.
  returned: always
  type: str
changed_files:
  description: The relative paths written (or, in check mode, that would be), sorted.
  returned: always
  type: list
  elements: str
  sample: [helmrelease.yaml]
files:
  description: How many files the tree has (written or already as asked).
  returned: always
  type: int
  sample: 5
elapsed_seconds:
  description: Seconds the module spent on its work, after Python start-up and imports.
  returned: always
  type: float
'''

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import FileTreeError, write_tree
from ansible_collections.dataplatform.lakehouse.plugins.module_utils.module import LakehouseModule


def octal_mode(value, option):
    try:
        return int(value, 8)
    except (TypeError, ValueError):
        raise FileTreeError('%s: %r is not an octal mode: write it like "0644".' % (option, value))


def run_tree(params, check_mode):
    files = {}
    for relative, content in params['files'].items():
        if not isinstance(content, str):
            raise FileTreeError('files: the content of %r is a %s, not text: render it with a template lookup or '
                                'to_nice_yaml.' % (relative, type(content).__name__))
        files[relative] = content
    changed, diffs = write_tree(params['root'], files, mode=octal_mode(params['mode'], 'mode'),
                                directory_mode=octal_mode(params['directory_mode'], 'directory_mode'),
                                check_mode=check_mode)
    return dict(changed=bool(changed), root=params['root'], changed_files=changed, files=len(files), diff=diffs)


def main():
    module = LakehouseModule(
        argument_spec=dict(
            root=dict(type='path', required=True),
            files=dict(type='dict', required=True),
            mode=dict(type='str', default='0644'),
            directory_mode=dict(type='str', default='0755'),
        ),
        supports_check_mode=True,
    )
    module.run(run_tree, module.params, module.check_mode)


if __name__ == '__main__':
    main()
