"""Operators' tools: the call log read back, and the commands that show it."""
