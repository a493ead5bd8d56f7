"""The S&OP team's rules: roles and what each may do, and the cycle's stages.

Pure: the services enforce these rules, so every adapter (CLI, REST, web) obeys the same.
"""
