"""File integrity monitoring: scan a tree, keep a signed baseline, report what changed."""
