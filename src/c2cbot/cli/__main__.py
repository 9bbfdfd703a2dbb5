"""``python -m c2cbot.cli``: the same command as ``c2cbot``."""

from c2cbot.cli import main

raise SystemExit(main())
