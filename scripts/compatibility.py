"""Prints docs/compatibility.md (run through `make docs`)."""

from shardline.compatibility import render_compatibility_table

print(render_compatibility_table(), end="")
