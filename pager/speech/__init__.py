"""The spoken text: Indonesian words for numbers, letters, tickets, times and dates, and
free text normalized to plain words before any speech engine sees it. Pure, no I/O."""
