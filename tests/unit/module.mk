# tests/unit/: one Check suite per module, check_<module>.c.
UNIT_TESTS += $(wildcard tests/unit/check_*.c)
