"""`python -m parley.client`: the desktop client."""

from parley.client.gui.app import main

raise SystemExit(main())
