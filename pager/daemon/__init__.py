"""The running daemon: the runtime (threads, resources, carrying out the controller's
effects), the voice and tones a config needs built, and the players each start effect
becomes. The top layer below the command line: imports from every layer below it.
"""
