"""`python -m course ...` — see course/cli/__init__.py."""

import sys

try:
    # importing the CLI pulls in spaCy (seconds): Ctrl-C here must not print a traceback
    from .cli import main
    from .cli.light import start_light

    start_light(sys.argv[1:])  # tokenizer-only commands: no torch (see course/cli/light.py)

    code = main()
except KeyboardInterrupt:
    from .errors import CourseError

    print(f"error: {CourseError('N480').line()}", file=sys.stderr)
    code = 130
sys.exit(code)
