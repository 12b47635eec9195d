"""Shipped weights of the coder model (`weights.json.gz`, written by scripts/train_coder.py)."""
