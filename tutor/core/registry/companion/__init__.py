"""The practice registry's read-only web companion: repository pages and the live class board.

It is fed only by the registry itself: Distribution's notifications webhook (pushes and pulls)
and its JSON log (failed logins, refused requests), kept as events in the data dir.
Only `launch` is imported by the practice registry; the server parts load in their own process.
"""
