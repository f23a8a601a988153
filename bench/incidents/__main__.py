import sys

from bench.incidents import main

sys.exit(main())
