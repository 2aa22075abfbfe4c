"""Output formats for findings and statuses (OCSF now; HTML, XLSX, PDF and the diagram later)."""
