"""rumhouse collector: receives beacons, enriches them and writes them to ClickHouse."""

__version__ = "0.1.0"
