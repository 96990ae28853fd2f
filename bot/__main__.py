"""`python -m bot` is the same command line as `zhongfu`."""

from bot.cli import main

raise SystemExit(main())
