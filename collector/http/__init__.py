"""The only aiohttp code: the public listener (beacon, assets, ops) and the admin one."""
