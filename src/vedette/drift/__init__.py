"""Configuration drift: resources changed per configuration-management run, as a time series.

`reports` reads what Puppet, Ansible, Chef and Terraform say about a run; `baseline`
learns what a host usually changes; `anomaly` judges a run against it; `findings` turns
the verdicts into events and metrics; `run` records it all in the store.
"""
