"""Installs the ts_sla Frappe app; metadata lives in pyproject.toml."""

from setuptools import find_packages, setup

setup(
	packages=find_packages(exclude=("benchmarks", "benchmarks.*")), include_package_data=True, zip_safe=False
)
