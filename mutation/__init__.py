"""`make mutation`: how well the tests guard the promises, measured by changing the code.

Three parts, each a module: ``python`` (mutmut over the modules that carry promises),
``beacon`` (Stryker over js-beacon/src) and ``promises`` (the hand-written changes to SQL,
JSON and settings that neither tool makes). TESTING.md explains how to read the results.
"""
