"""The local stack: the whole application from template.yaml on this machine, Docker-free (`make run`)."""

import os.path
import sys

# The stack writes its demo data with the shared layer's own models: on the path, as Lambda puts a layer.
_SHARED_LAYER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "layers", "shared")
if _SHARED_LAYER not in sys.path:
    sys.path.append(_SHARED_LAYER)
