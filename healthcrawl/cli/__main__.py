"""``python -m healthcrawl.cli``: the ``healthcrawl`` command."""

import sys

from healthcrawl.cli.main import main

sys.exit(main())
