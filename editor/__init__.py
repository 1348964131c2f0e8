"""Caminho's editor: Qt widgets over a Qt-free suggestion engine (onnxruntime + numpy)."""

import os

# The editor's matrices are small; numpy's OpenBLAS pool only adds stalls on a busy 2-core
# machine (20-40 ms seen). Set before numpy is first imported, and only if the user has not.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
