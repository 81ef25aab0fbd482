"""Where a batch run's model work happens: ``local`` processes or ``ray`` actors."""
