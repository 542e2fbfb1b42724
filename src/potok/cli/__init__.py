"""The `potok` command line."""
