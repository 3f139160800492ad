"""Real IRC clients from Debian's packages, driven against a real Parley server (the
helpers they share are in support/binaries.py and support/waiting.py)."""
