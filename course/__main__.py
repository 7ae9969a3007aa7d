"""`python -m course ...` — see course/cli/__init__.py."""
import sys

from .cli import main

sys.exit(main())
