"""The benchmark package lives at the repository's root, beside src/: importable here."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.append(ROOT)  # a package there wins over tests/bench, which has no __init__
