"""Scored units and links → a consistent argument forest → a Document.

``algorithms`` (Chu-Liu/Edmonds, Eisner), ``objective`` (the decoding objective and its
settings) and ``build`` (writing a decoding into a Document).
"""
