"""The chat itself: users, channels, membership, modes and one handler per command.

Pure Python: it reaches the outside only through the Connection interface
(send bytes, close) and the clock it is given, so it is tested without sockets.
"""
