"""The running daemon: the runtime (its lifecycle, the threads and resources, and carrying
out the controller's effects), the live plays and their players (start effects in, mixer
events out as inputs), the sound kit a config needs (voice, chime, tones), the monitor
(systemd's watchdog, the callback's health), reloads, and the inputs' worker (what the
interface's inputs hear, turned into inputs for the controller).

The top layer below the command line: may import every layer below it; the tools never
import it.
"""
