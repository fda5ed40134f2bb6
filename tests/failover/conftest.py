"""Fixtures for the failover drills: a scripts/cluster.sh cluster (3 ZooKeeper nodes, 3 brokers
in their own network namespaces) shared by the drills of one module, healed between drills."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
