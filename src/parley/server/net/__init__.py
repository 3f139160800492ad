"""asyncio transports: TCP and TLS listeners, line framing, limits, write coalescing."""
