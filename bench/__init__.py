"""`make bench`: rumhouse's speed against floors measured in the same run. Not part of
the runtime package: nothing here is imported by `rumhouse serve`."""
