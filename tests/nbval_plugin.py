"""pytest plugin for notebooks under nbval (loaded with `-p nbval_plugin`).

Widget model ids are random, so nbval already skips
application/vnd.jupyter.widget-view+json; everything else is compared.
This plugin only makes the kernel environment deterministic.
"""

import os

os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.pop("COURSE_INSTRUCTOR", None)
