"""After the 204: the buffer (memory or durable), the spool and the journal."""
