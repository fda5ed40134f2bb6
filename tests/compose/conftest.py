"""The docker-compose cluster test (make compose-test): tests/lib on the path."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
