"""Fire supervision and enforcement (监督执法): inspection plans, documents, cases, sealing."""
