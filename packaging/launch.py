"""Entry script for the PyInstaller bundle: the same `editor.app:main` that `caminho` runs.

A file of its own (not editor/__main__.py) because PyInstaller puts the entry script's folder
on the analysis path, and editor/ as a top-level path would let its modules shadow others.
"""

import sys

from editor.app import main

if __name__ == "__main__":
    sys.exit(main())
