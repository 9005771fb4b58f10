"""The API matches its description: schemathesis, every check, finds no 5xx and no mismatch with /openapi.json.

A bounded run of tests/fuzz.py (`make fuzz` is the long one): `mgkg serve` without a token (writes off) and with
one (writes on, on a copy of the data, which must still validate afterwards), a few test cases per operation and
phase, seeded so that a run repeats. A failure prints schemathesis' report, with a curl command per failure.
"""

from __future__ import annotations

import pytest
from fuzz import Run, fuzz_both

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 3
"""Test cases per operation in the fuzzing phase: about 2,000 requests per run, 15 s each on two cores."""


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    """Both runs, by name."""
    return {run.name: run for run in fuzz_both(MAX_EXAMPLES, seed=1)}


@pytest.mark.parametrize("name", ["no token", "token"])
def test_schemathesis_finds_nothing(runs: dict[str, Run], name: str) -> None:
    run = runs[name]
    print(run.line())
    assert run.complete, run.output
    assert run.operations >= 20 and run.requests > 1000, run.line()
    assert run.server_errors == 0, run.output
    assert run.mismatches == {}, run.output
    assert run.errors == {}, run.output


def test_the_fuzzed_writes_leave_a_valid_store(runs: dict[str, Run]) -> None:
    assert runs["token"].store_valid is True
    assert runs["no token"].store_valid is None  # nothing to check: the server refused every write
