"""The web client's files, served by the web listener (server/net/http.py)."""
