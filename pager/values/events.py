"""The names of the events pager publishes: the `event` field on {prefix}/event/{node}."""

from __future__ import annotations

import enum


class EventName(enum.StrEnum):
    """The `event` field of what is published on {prefix}/event/{node}."""

    QUEUED = "queued"
    STARTED = "started"
    RESUMED = "resumed"
    FINISHED = "finished"
    PREEMPTED = "preempted"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    MERGED = "merged"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"
    AUDIO_FAILED = "audio-failed"
    AUDIO_RESTORED = "audio-restored"
    AUDIO_XRUNS = "audio-xruns"
    AUDIO_CALLBACK_ERROR = "audio-callback-error"
    INPUT_FAILED = "input-failed"
    INPUT_RESTORED = "input-restored"
    LINE_FAULT = "line-fault"
    LINE_RESTORED = "line-restored"
    TEST_QUEUED = "test-queued"
    TEST_STARTED = "test-started"
    TEST_FINISHED = "test-finished"
    TEST_HEARD = "test-heard"
    CONFIG_RELOADED = "config-reloaded"
    CONFIG_REJECTED = "config-rejected"
    STORAGE_FAILED = "storage-failed"
    STORAGE_RESTORED = "storage-restored"
    CLOCK_STEPPED = "clock-stepped"
