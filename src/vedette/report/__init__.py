"""Reports for auditors and privacy officers, built only from what the store holds."""
