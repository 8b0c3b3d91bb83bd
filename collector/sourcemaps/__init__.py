"""Source maps: a release's maps uploaded by the site's build (``upload``), and stacks read
back through them (``frames`` parses, ``symbolicate`` maps with Sentry's ``symbolic``,
``render`` draws, ``examples`` picks one stack per top error for the report)."""
