"""Entry point of every //scenarios:<name> target: the harness with `scenario <name>` (given by
the target's `args`) followed by whatever was passed after `--` on the command line."""
import sys

from harness.archbench import main

if __name__ == "__main__":
    sys.exit(main())
