"""Terminal output: rich on a terminal, plain lines elsewhere, JSON on request."""
