"""Doctors Med Spa support bot: `python run.py --help` lists the commands."""

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
