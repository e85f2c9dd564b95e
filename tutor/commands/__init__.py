"""Headless subcommands: they use the core and print; none of them imports Textual."""
