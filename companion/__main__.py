"""`python -m companion` runs the CLI, for environments without the console script."""
from companion.cli.main import main

raise SystemExit(main())
