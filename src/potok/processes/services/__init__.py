"""Writes of the process layer, one module per use case."""
