"""Extra top-level CLI commands (``schw train``, ...). Every module here that defines a click
command named ``command`` is added to ``schw``: adding a command never touches ``schw.cli``."""
