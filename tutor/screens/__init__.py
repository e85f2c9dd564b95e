"""The UI's screens."""
