"""A built-in rule's tuning for one site: the site's override, else the rule's settings,
else the rule's default (``docs/alerts.md`` lists the defaults and why)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from collector.alerts.settings import RuleSettings, RuleTuning


@dataclass(frozen=True)
class Tuning:
    enabled: bool = True
    worse_by: float = 0.2
    below: float = 0.5
    min_samples: int = 100
    min_sessions: int = 5
    window_minutes: int = 60

    def over(self, given: RuleTuning | None) -> Tuning:
        """These values with what ``given`` sets (its ``None`` fields keep these)."""
        if given is None:
            return self
        changes = {
            f.name: getattr(given, f.name)
            for f in fields(self)
            if getattr(given, f.name, None) is not None
        }
        return replace(self, **changes)


@dataclass(frozen=True)
class Tunings:
    """One rule's tuning for every site: ``for_site`` and the windows to query."""

    default: Tuning
    sites: dict[str, Tuning]

    @classmethod
    def of(cls, default: Tuning, settings: RuleSettings | None) -> Tunings:
        rule = default.over(settings)
        sites = {site: rule.over(t) for site, t in (settings.sites if settings else {}).items()}
        return cls(rule, sites)

    def for_site(self, site: str) -> Tuning:
        return self.sites.get(site, self.default)

    @property
    def any_enabled(self) -> bool:
        return self.default.enabled or any(t.enabled for t in self.sites.values())

    def groups(self) -> list[tuple[int, str, dict[str, list[str]]]]:
        """One query per distinct window: (minutes, SQL site filter, its parameters). The
        sites tuned to another window than the rule's are queried apart."""
        apart: dict[int, list[str]] = {}
        for site, tuning in self.sites.items():
            if tuning.window_minutes != self.default.window_minutes:
                apart.setdefault(tuning.window_minutes, []).append(site)
        others = [s for group in apart.values() for s in group]
        result = [(self.default.window_minutes, "site NOT IN {apart:Array(String)}",
                   {"apart": others})]  # fmt: skip
        result += [
            (minutes, "site IN {apart:Array(String)}", {"apart": sites})
            for minutes, sites in apart.items()
        ]
        return result
