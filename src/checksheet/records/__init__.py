"""Records no API can see: drills, third-party assessments, attestations and evidence files.

schemas (pydantic, where records enter), service (stored with their files and chained into the
ledger), templates (CSV/XLSX import). The checks over them live in checks/records.py.
"""
