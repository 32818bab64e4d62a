"""Benchmarks run by ``rtcc bench <name> [--json]``: each module's ``run()`` returns a dict of named figures.

Benchmarks are not tests: they assert nothing about time and compare against a baseline measured in the same run.
"""
