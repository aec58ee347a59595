"""The web workspace: county officials upload ledgers, reviewers read and dispute verdicts.

Importing this package does nothing on purpose: the CLI imports `commands` lazily, and the
server, database and worker pool start only when `create_app` or a command asks for them.
"""
