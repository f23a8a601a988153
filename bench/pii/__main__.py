import sys

from bench.pii import main

sys.exit(main())
