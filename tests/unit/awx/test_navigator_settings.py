"""ansible-navigator.yml: valid for ansible-navigator (its own settings schema), and the image it runs is the one
roles/awx_controller registers with the controller."""
import json
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load_settings():
    with open(os.path.join(ROOT, 'ansible-navigator.yml')) as handle:
        return yaml.safe_load(handle)


def test_settings_follow_ansible_navigators_schema():
    jsonschema = pytest.importorskip('jsonschema')
    navigator = pytest.importorskip('ansible_navigator')
    with open(os.path.join(os.path.dirname(navigator.__file__), 'data', 'ansible-navigator.json')) as handle:
        schema = json.load(handle)
    jsonschema.validate(load_settings(), schema)


def test_a_misspelt_setting_is_refused_by_the_same_schema():
    """The check above can fail: an unknown key is an error in ansible-navigator's schema."""
    jsonschema = pytest.importorskip('jsonschema')
    navigator = pytest.importorskip('ansible_navigator')
    with open(os.path.join(os.path.dirname(navigator.__file__), 'data', 'ansible-navigator.json')) as handle:
        schema = json.load(handle)
    settings = load_settings()
    settings['ansible-navigator']['execution-environment']['imgae'] = 'x'
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(settings, schema)


def test_the_image_is_the_controllers_execution_environment_and_paths_exist():
    settings = load_settings()['ansible-navigator']
    defaults = open(os.path.join(ROOT, 'roles', 'awx_controller', 'defaults', 'main.yml')).read()
    image = settings['execution-environment']['image']
    assert 'image: %s' % image in defaults
    assert os.path.isfile(os.path.join(ROOT, settings['ansible']['config']['path']))
    for entry in settings['ansible']['inventory']['entries']:
        assert os.path.isdir(os.path.join(ROOT, entry))
