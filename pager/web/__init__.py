"""The status page in the browser (`http.listen`): an aiohttp server on a thread of its own
and its static page.

May import `pager.config`, `pager.values` and the shared helpers; it hands messages to the
daemon as `Inbound` values on the control queue, and never imports `pager.io` or above.
"""
