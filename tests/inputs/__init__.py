"""Config vars, app files and cargo messages of unusual or wrong shape: one documented rule
each (docs/reliability.md), never a traceback and never a hang.

A real app goes through bin/compile with a setting that stops the build soon after
(early_stops.py), so that what is checked is what reading the configuration says and
does, in seconds; the module behind each rule is checked alone in the same file. The
same rules in whole builds are tests/builds/test_odd_inputs_in_whole_builds.py.
"""
