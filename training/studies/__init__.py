"""Study-only code: the experiments behind docs/BENCHMARKS.md (ensembles, the seed's per-line
LSTM baseline, the ranking weights).

Left out of the wheel (pyproject.toml lists the packages it ships; tests/test_layers.py checks)
and of the bundle (packaging/caminho.spec leaves out all of `training`). Run from the source tree:
`python -m training.studies.ensemble ...`, `python -m training.studies.evaluate ...`.
"""
