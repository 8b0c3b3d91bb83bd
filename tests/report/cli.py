"""`rumhouse report` run in the test's own process (its `main`, as the console script calls
it), so that mutation testing sees the terminal rendering it exercises. It reads through the
test's collector, as the command does on a machine where one is running."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from collector.cli.main import main
from collector.http import keys
from tests.conftest import Collector


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str


async def rumhouse_report(
    collector: Collector, capsys: pytest.CaptureFixture[str], *options: str
) -> Done:
    """The exit code and output of ``rumhouse report --data DATA OPTIONS...``; the command
    runs in a thread, while this event loop goes on serving the collector it reads from."""
    data = str(collector.app[keys.SETTINGS].data)
    capsys.readouterr()  # what earlier steps printed is not the command's
    code = await asyncio.to_thread(main, ["report", "--data", data, *options])
    out, err = capsys.readouterr()
    return Done(code, out, err)
