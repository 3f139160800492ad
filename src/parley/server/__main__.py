"""`python -m parley.server`."""

from parley.server.cli import main

raise SystemExit(main())
