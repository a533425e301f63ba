"""The `tierlink` command (click): a thin layer over the workspace and the library."""
