"""The deployed version: Cloud Build sets CPT_VERSION to the commit; locally it is ``dev``."""

import os

VERSION = os.environ.get("CPT_VERSION", "dev")
