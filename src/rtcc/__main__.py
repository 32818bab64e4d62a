"""Allow ``python -m rtcc`` as an alias of the ``rtcc`` command."""

from rtcc.cli import main

main()
