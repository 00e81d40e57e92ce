"""Package layout for setuptools; all metadata lives in pyproject.toml.

Every package under ``schw/`` is found automatically, including folders without an
``__init__.py`` (namespace packages such as ``schw/sc/``), and the top-level folders in
``MAPPED`` install as subpackages of ``schw`` (``sim/`` -> ``schw.sim``, with any subfolders).
pyproject.toml alone cannot combine automatic discovery with such a mapping, hence this file.
Package data (templates, harness sources, liberty, Yosys scripts) comes from
``[tool.setuptools.package-data]`` in pyproject.toml. ``.ci/wheel_check`` checks the result.
"""

from setuptools import find_namespace_packages, setup

MAPPED = {"schw.sim": "sim", "schw.rtl_templates": "rtl_templates", "schw.flows": "flows"}
NOT_PACKAGES = ["*__pycache__*", "*.egg-info*"]

packages = find_namespace_packages(include=["schw", "schw.*"], exclude=NOT_PACKAGES)
for name, folder in MAPPED.items():
    packages += [name] + [f"{name}.{sub}" for sub in find_namespace_packages(folder, exclude=NOT_PACKAGES)]

setup(packages=sorted(packages), package_dir=MAPPED)
