"""Validate the catalog data files and report counts per domain (used while editing)."""

import sys

from checksheet.catalog import load_domains, pending_checks

domains = load_domains()
pending = pending_checks()
unknown = sorted(
    {c for d in domains for ctl in d.controls for c in ctl.evidence.checks if c not in pending}
)
for d in domains:
    print(f"{d.id:6} {len(d.controls):3}  {d.title.ja} / {d.title.en}")
print("total", sum(len(d.controls) for d in domains))
if unknown:
    print("checks not in pending_checks.yaml (and not yet registered):", unknown)
    sys.exit(1)
