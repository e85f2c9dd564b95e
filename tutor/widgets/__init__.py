"""The UI's widgets."""
