"""The Parley IRC server: core (chat state), net (asyncio transports), store, console."""
