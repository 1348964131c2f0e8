"""The editor's logic, with no Qt and no torch: numpy, onnxruntime and the standard library only.

Everything here runs and is tested without a window; training imports the editor only from
here. tests/test_layers.py holds both rules (docs/ARCHITECTURE.md).
"""
