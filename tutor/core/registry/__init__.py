"""The registry side: its HTTP API, the Distribution process, the practice registry and its TLS."""
