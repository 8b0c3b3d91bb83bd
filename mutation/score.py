"""Scores per module, the targets, and the survivors file both tools write into."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SURVIVORS = Path(__file__).with_name("survivors.txt")


@dataclass
class Tally:
    """One module's mutants by outcome; equivalent ones are left out of the score."""

    killed: int = 0
    survived: list[str] = field(default_factory=list)
    equivalent: int = 0

    @property
    def score(self) -> float:
        counted = self.killed + len(self.survived)
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def table(title: str, tallies: dict[str, Tally], target: float) -> tuple[str, bool]:
    """The score table, and whether the whole meets ``target`` (percent killed)."""
    total = Tally()
    lines = [f"{title} (target: {target:.0f}% of mutants killed)", ""]
    lines.append(f"{'module':<44} {'killed':>7} {'survived':>9} {'equiv.':>7} {'score':>7}")
    for name, t in sorted(tallies.items()):
        lines.append(
            f"{name:<44} {t.killed:>7} {len(t.survived):>9} {t.equivalent:>7} {t.score:>6.1f}%"
        )
        total.killed += t.killed
        total.survived += t.survived
        total.equivalent += t.equivalent
    met = total.score >= target
    lines.append(
        f"{'all':<44} {total.killed:>7} {len(total.survived):>9} {total.equivalent:>7} "
        f"{total.score:>6.1f}%  {'MET' if met else 'MISSED'}"
    )
    return "\n".join(lines), met


def outcomes(statuses: Counter[str]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))


def write_survivors(part: str, body: str) -> None:
    """Replace this part's section of the survivors file (the other parts stay)."""
    sections: dict[str, str] = {}
    if SURVIVORS.exists():
        for chunk in SURVIVORS.read_text().split("\n# ")[1:]:
            name, _, rest = chunk.partition("\n")
            sections[name.strip()] = rest.strip("\n")
    sections[part] = body.strip("\n")
    header = (
        "Surviving mutants of the last `make mutation`, per part: none should be left that a\n"
        "test could kill; the equivalent ones are listed in mutation/equivalent.toml.\n"
    )
    text = header + "".join(f"\n# {name}\n{sections[name]}\n" for name in sorted(sections))
    SURVIVORS.write_text(text)
