"""The lab core: engine, credentials, registry, interpreter, checks. No Textual in here."""
