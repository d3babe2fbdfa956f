"""The README's story against a running stack (story.py), then what it created revoked, whichever step failed."""

from __future__ import annotations

from tests.smoke.story import STEPS, Story, clean_up
from tests.smoke.target import Target


def test_smoke_story_runs_on_the_stack_and_cleans_up_after_itself(target: Target) -> None:
    story = Story(target)
    try:
        for step in STEPS:
            try:
                step(story)
            except AssertionError as failure:
                raise AssertionError(f"{step.__name__}: {step.__doc__}\n{failure}") from failure
    finally:
        clean_up(story)
