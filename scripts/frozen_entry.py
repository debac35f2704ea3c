"""Entry point of the PyInstaller build: the same ``main`` as the console script."""

import multiprocessing
import sys

from matteditor.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
