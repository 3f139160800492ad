"""The server console: a tkinter window on a running server (`parley-server --gui`).

It reads and acts only through the admin API (parley.server.admin); the server
runs on its own event loop in a background thread, the window in the main one.
"""
