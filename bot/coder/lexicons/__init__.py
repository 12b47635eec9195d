"""Data files for the MI coder: one lexicon per language plus the language-detection cues."""
