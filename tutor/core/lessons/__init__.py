"""Lessons as data, and the tools that lint and test them."""
