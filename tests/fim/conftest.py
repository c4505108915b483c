"""The FIM fixtures live in tests/conftest.py (the event tests use them too)."""

from __future__ import annotations

from tests.conftest import Tree, make_tree_files, tree_policy
from vedette.fim.policy import load_policy

__all__ = ["Tree", "load_policy", "make_tree_files", "tree_policy"]
