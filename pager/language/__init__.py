"""Indonesian words: numbers, letters, tickets, counters, times and dates as plain words,
free text normalized to them, the lexicon of written forms, and pronunciations in IPA as
espeak-ng's phonemes. Pure, no I/O; imports only `pager.errors`.
"""
