"""Where rows go: ClickHouse, embedded (chDB) or a server, through clickhouse-connect."""
