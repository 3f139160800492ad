"""The Parley clients: protocol state (sans-IO), the connection, and the desktop GUI."""
