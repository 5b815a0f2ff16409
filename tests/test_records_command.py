"""`eventtagger records` is a runtime command, and its options are checked before any work."""
from __future__ import annotations

import argparse

import pytest


def test_records_is_registered():
    from eventtagger.inference.commands import RUNTIME_COMMANDS

    assert "records" in [c.name for c in RUNTIME_COMMANDS]


def test_published_must_be_a_date():
    from eventtagger.inference.records_command import iso_date

    assert iso_date("2022-04-30").isoformat() == "2022-04-30"
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
        iso_date("30/04/2022")
