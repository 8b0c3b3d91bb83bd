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
    unchecked: int = 0  # not run yet (a run cut short): the score says nothing of them

    @property
    def score(self) -> float:
        counted = self.killed + len(self.survived)
        return 100.0 if counted == 0 else 100.0 * self.killed / counted


def table(title: str, tallies: dict[str, Tally], target: float) -> tuple[str, bool]:
    """The score table, and whether the whole meets ``target`` (percent killed)."""
    total = Tally()
    lines = [f"{title} (target: {target:.0f}% of mutants killed)", ""]
    head = f"{'module':<40} {'killed':>7} {'survived':>9} {'equiv.':>7} {'unrun':>6} {'score':>7}"
    lines.append(head)
    for name, t in sorted(tallies.items()):
        lines.append(_row(name, t))
        total.killed += t.killed
        total.survived += t.survived
        total.equivalent += t.equivalent
        total.unchecked += t.unchecked
    met = total.score >= target and not total.unchecked
    verdict = "MET" if met else "INCOMPLETE RUN" if total.unchecked else "MISSED"
    lines.append(f"{_row('all', total)}  {verdict}")
    return "\n".join(lines), met


def _row(name: str, t: Tally) -> str:
    return (
        f"{name:<40} {t.killed:>7} {len(t.survived):>9} {t.equivalent:>7} {t.unchecked:>6} "
        f"{t.score:>6.1f}%"
    )


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
