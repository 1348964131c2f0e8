"""`python -m editor` runs the editor."""

import sys

from editor.app import main

sys.exit(main())
