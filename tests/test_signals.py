"""The recording searches of the end-to-end tests: they look only where the whole sound fits
(a search that ran past the end of a recording once failed a clean-clone CI run)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.signals import assert_plays_at, holds, occurrences

SOUND = np.array([0.0, 0.5, -0.25, 0.125], dtype=np.float32)


def test_a_sound_cut_off_by_the_end_of_the_recording_is_not_found_and_raises_nothing() -> None:
    recording = np.concatenate([np.zeros(10), SOUND, np.zeros(5), SOUND[:3]]).astype(np.float32)
    assert occurrences(recording, SOUND) == [10]
    assert not holds(recording, 19, SOUND)  # only three of its four samples were recorded
    with pytest.raises(AssertionError, match="expected 4 samples from 19"):
        assert_plays_at(recording, 19, SOUND, "the cut-off sound")


def test_a_sound_that_would_start_before_the_recording_is_not_found() -> None:
    recording = np.concatenate([SOUND[1:], np.zeros(3), SOUND]).astype(np.float32)
    assert occurrences(recording, SOUND) == [6]  # not -1, whose window would wrap round
    assert not holds(recording, -1, SOUND)
