"""The ClickHouse-compatible SQL endpoint, for the embedded store.

In embedded mode the collector process owns the chDB folder, so analysts, Grafana and
``rumhouse sql`` reach the data through this second listener, which speaks the part of
ClickHouse's HTTP interface that standard clients use. With a ClickHouse server, clients
connect to the server instead.
"""
