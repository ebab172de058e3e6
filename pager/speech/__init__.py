"""Speech synthesis below `pager.tts`: the engines (pyttsx3 in a process of its own, the
`espeak-ng` command), the voices installed here, the pronunciation dictionary compiled for
espeak-ng, and recorded voice packs. Runs subprocesses; reads and writes files.

May import `pager.audio` (levels), `pager.language`, `pager.values` and the shared helpers;
never `pager.tts` above it.
"""
