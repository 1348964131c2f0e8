"""`python -m training` is `caminho-train`."""

import sys

from training.cli import main

sys.exit(main())
