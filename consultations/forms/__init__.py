"""Forms, one module per area (the same areas as views/); fields used by several areas live in ``fields``."""
