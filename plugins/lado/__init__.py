"""LADO: allegations against people who work with children, from contact to outcome and retention."""
