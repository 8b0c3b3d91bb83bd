"""Every rule the evaluator runs: the built-in ones (on unless disabled) with their tuning,
then the custom ones, in one list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from collector.alerts.custom import CustomRule
from collector.alerts.errors import ErrorSpike, NewError
from collector.alerts.rule import Rule
from collector.alerts.settings import AlertFields
from collector.alerts.traffic import FailedRequests, TrafficDrop
from collector.alerts.tuning import Tuning, Tunings
from collector.alerts.vitals import CLS, INP, LCP

BUILT_IN: tuple[tuple[Rule, Tuning], ...] = tuple(
    (rule, rule.default)
    for rule in (LCP, INP, CLS, ErrorSpike(), NewError(), FailedRequests(), TrafficDrop())
)
NAMES = tuple(rule.name for rule, _ in BUILT_IN)


@dataclass(frozen=True)
class Configured:
    rule: Rule
    tunings: Tunings


def configured(settings: AlertFields, limits: bool = True) -> Sequence[Configured]:
    """The rules to run: built-in ones enabled for some site, and every custom one."""
    rules = [
        Configured(rule, Tunings.of(default, settings.alert_rules.get(rule.name)))
        for rule, default in BUILT_IN
    ]
    custom = [
        Configured(CustomRule(alert, limits), Tunings.of(CustomRule.default, None))
        for alert in settings.custom_alerts
    ]
    return [c for c in rules if c.tunings.any_enabled] + custom
