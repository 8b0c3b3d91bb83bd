"""Pure: request bytes and facts -> accepted rows, a refusal, or drops. No aiohttp, no engine."""
