"""`make up`: run the whole of SIGEXP on this machine under one supervisor.

    python scripts/dev.py          start everything, print "SIGEXP listo", run until Ctrl-C
    python scripts/dev.py --check  start everything, wait until ready, print, stop, exit 0

Configuration is read from SIGEXP_* environment variables (see docs/make-up.md).
"""

from devrun.main import main

if __name__ == "__main__":
    main()
