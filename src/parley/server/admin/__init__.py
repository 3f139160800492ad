"""The admin API: how the server console reads and acts on a running server.

The console never touches the core: it gets frozen views and sends actions
through `Admin`, whose work runs on the server's event loop.
"""

from parley.server.admin.api import Admin, AdminError

__all__ = ["Admin", "AdminError"]
