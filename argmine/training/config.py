"""TrainingConfig: the settings of a training run, kept with the model it trains.

The class lives in :mod:`argmine.scoring.config`, beside the model whose hyper-parameters it
holds (the scoring layer imports nothing of training); it is re-exported here.
"""

from argmine.scoring.config import TrainingConfig

__all__ = ["TrainingConfig"]
