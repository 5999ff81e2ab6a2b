"""Tables of the training module."""
