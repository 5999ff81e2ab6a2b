"""Tables of the LADO module."""
