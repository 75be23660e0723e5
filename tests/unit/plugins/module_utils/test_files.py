"""write_tree (module_utils/files.py), the file_tree module's work: only what differs is written, check mode
writes nothing, paths that leave the root are refused in one line."""
import os
import stat

import pytest

from ansible_collections.dataplatform.lakehouse.plugins.module_utils.files import FileTreeError, write_tree
from ansible_collections.dataplatform.lakehouse.plugins.modules.file_tree import run_tree


def test_first_write_creates_directories_and_files(tmp_path):
    root = str(tmp_path / 'tree')
    changed, diffs = write_tree(root, {'a.yaml': 'a: 1\n', 'app/b.yaml': 'b: 2\n'})
    assert changed == ['a.yaml', 'app/b.yaml']
    assert (tmp_path / 'tree' / 'app' / 'b.yaml').read_text() == 'b: 2\n'
    assert stat.S_IMODE(os.stat(os.path.join(root, 'a.yaml')).st_mode) == 0o644
    assert [d['before'] for d in diffs] == ['', '']


def test_second_write_changes_nothing_and_a_changed_file_is_the_only_one_written(tmp_path):
    root = str(tmp_path)
    write_tree(root, {'a.yaml': 'a: 1\n', 'b.yaml': 'b: 2\n'})
    assert write_tree(root, {'a.yaml': 'a: 1\n', 'b.yaml': 'b: 2\n'}) == ([], [])
    mtime = os.stat(os.path.join(root, 'a.yaml')).st_mtime_ns
    changed, diffs = write_tree(root, {'a.yaml': 'a: 1\n', 'b.yaml': 'b: 3\n'})
    assert changed == ['b.yaml']
    assert diffs[0]['before'] == 'b: 2\n' and diffs[0]['after'] == 'b: 3\n'
    assert os.stat(os.path.join(root, 'a.yaml')).st_mtime_ns == mtime
    assert not [name for name in os.listdir(root) if name.endswith('.tmp')]


def test_a_wrong_mode_is_corrected(tmp_path):
    write_tree(str(tmp_path), {'a.yaml': 'x\n'})
    os.chmod(str(tmp_path / 'a.yaml'), 0o600)
    assert write_tree(str(tmp_path), {'a.yaml': 'x\n'})[0] == ['a.yaml']
    assert stat.S_IMODE(os.stat(str(tmp_path / 'a.yaml')).st_mode) == 0o644


def test_check_mode_writes_nothing(tmp_path):
    root = str(tmp_path / 'tree')
    changed, _diffs = write_tree(root, {'a.yaml': 'a\n'}, check_mode=True)
    assert changed == ['a.yaml'] and not os.path.exists(root)


def test_files_not_in_the_tree_are_left_alone(tmp_path):
    (tmp_path / 'mine.txt').write_text('keep')
    write_tree(str(tmp_path), {'a.yaml': 'a\n'})
    assert (tmp_path / 'mine.txt').read_text() == 'keep'


@pytest.mark.parametrize('relative', ['../escape.yaml', '/etc/passwd', 'app/../../x', ''])
def test_paths_leaving_the_root_are_refused(tmp_path, relative):
    with pytest.raises(FileTreeError) as error:
        write_tree(str(tmp_path / 'root'), {relative: 'x'})
    assert '\n' not in str(error.value) and 'root' in str(error.value)
    assert not (tmp_path / 'escape.yaml').exists()


def test_module_refuses_non_text_content_and_bad_modes(tmp_path):
    params = {'root': str(tmp_path), 'files': {'a.yaml': {'not': 'text'}}, 'mode': '0644', 'directory_mode': '0755'}
    with pytest.raises(FileTreeError, match='not text'):
        run_tree(params, False)
    params['files'] = {'a.yaml': 'x\n'}
    params['mode'] = 'rw-r--r--'
    with pytest.raises(FileTreeError, match='octal'):
        run_tree(params, False)
    assert not (tmp_path / 'a.yaml').exists()


def test_module_result(tmp_path):
    params = {'root': str(tmp_path), 'files': {'a.yaml': 'x\n'}, 'mode': '0640', 'directory_mode': '0750'}
    result = run_tree(params, False)
    assert result['changed'] and result['changed_files'] == ['a.yaml'] and result['files'] == 1
    assert run_tree(params, False)['changed'] is False
