"""The A-weighting filter against the standard: its closed form at the nominal frequencies
of IEC 61672-1's table, and the filter at 48 kHz against that closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from pager.audio.weighting import a_filter, a_weighted_db, a_weighting_db

RATE = 48000

# IEC 61672-1:2013, table 3: A-weighting (dB) at nominal one-third-octave frequencies.
TABLE = {
    31.5: -39.4, 63: -26.2, 125: -16.1, 250: -8.6, 500: -3.2, 1000: 0.0, 2000: 1.2,
    4000: 1.0, 8000: -1.1, 10000: -2.5, 16000: -6.6,
}  # fmt: skip
# Class 1 tolerances (dB, minus / plus) at the same frequencies, table 3.
CLASS_1 = {
    31.5: (1.5, 1.5), 63: (1.0, 1.0), 125: (1.0, 1.0), 250: (1.0, 1.0), 500: (1.0, 1.0),
    1000: (0.7, 0.7), 2000: (1.0, 1.0), 4000: (1.0, 1.0), 8000: (2.5, 1.5), 10000: (3.0, 2.0),
}  # fmt: skip


@pytest.mark.parametrize("frequency", sorted(TABLE))
def test_the_closed_form_gives_the_standards_table(frequency: float) -> None:
    # The table's nominal frequencies are rounded (31.5 for 31.62...): within its 0.1 dB.
    exact = 1000 * 10 ** (round(10 * math.log10(frequency / 1000)) / 10)
    assert a_weighting_db(exact) == pytest.approx(TABLE[frequency], abs=0.1)


@pytest.mark.parametrize("frequency", sorted(CLASS_1))
def test_the_filter_at_48_khz_is_class_1_up_to_10_khz(frequency: float) -> None:
    exact = 1000 * 10 ** (round(10 * math.log10(frequency / 1000)) / 10)
    _, response = signal.sosfreqz(a_filter(RATE), worN=[exact], fs=RATE)
    measured = 20 * math.log10(abs(response[0]))
    minus, plus = CLASS_1[frequency]
    assert -minus <= measured - a_weighting_db(exact) <= plus, measured


def test_a_full_scale_1_khz_sine_reads_minus_3_db_and_a_50_hz_hum_reads_far_lower() -> None:
    t = np.arange(RATE) / RATE
    assert a_weighted_db(np.sin(2 * np.pi * 1000 * t), RATE) == pytest.approx(-3.01, abs=0.05)
    hum = a_weighted_db(np.sin(2 * np.pi * 50 * t), RATE)
    assert hum == pytest.approx(-3.01 + a_weighting_db(50), abs=0.3)  # about -33 dB
    assert a_weighted_db(np.zeros(RATE), RATE) == float("-inf")
