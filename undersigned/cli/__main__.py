"""``python -m undersigned.cli``: the console command, for running from a checkout."""

from . import main

main()
