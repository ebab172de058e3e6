"""The operators' tools: `pager status`, `pager test-zone`, `pager history` and `pager
stats`, voices and voice packs, the broker's set-up, and each command's guide.

May import `pager.io`, `pager.core`, `pager.config`, everything below them; never
`pager.daemon` (the running daemon is reached through the broker) nor `pager.cli`.
"""
