"""Indonesian words: numbers, letters, tickets, counters, times and dates as plain words,
free text normalized to them, the lexicon of written forms, and pronunciations in IPA as
espeak-ng's phonemes. Pure, no I/O; imports nothing from pager but itself (and num2words).
"""
