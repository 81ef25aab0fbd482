"""The package version, alone, so that low layers can name it without importing the pipeline."""

__version__ = "0.1.0"
