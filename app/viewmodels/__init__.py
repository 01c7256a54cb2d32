"""View models: screen state and actions in plain Python (no Flet imports).

Views render what these objects expose and call their methods; the unit tests in
tests/app drive them directly with an in-memory settings store and a real or absent backend.
"""
