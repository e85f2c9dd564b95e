"""The engine side: the gateway to Docker or Podman (the only docker import), streams, watch mode, logins."""
