"""A stand-in for the hashicorp/aws provider that serves its real schema (see provider.py)."""
