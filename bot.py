"""Start kzbot: with DISCORD_TOKEN it connects to Discord; without one it opens the offline console."""

import sys

from kzbot.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
