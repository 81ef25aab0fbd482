"""Units → scores: the models that score unit labels and links, their files and runtimes.

``protocol`` (the :class:`Scorer` protocol and :class:`Prediction`), ``registry`` (a model
folder → its scorer), ``model`` (the transformer :class:`ArgumentModel`), ``baseline`` (the
TF-IDF :class:`BaselineModel`), ``fit`` (the training loop), ``config`` (hyper-parameters),
``augment`` (training rewrites), ``features``, ``network``, ``encoders``, ``persistence``,
``modelcard`` and ``runtimes`` (ONNX Runtime, int8).
"""
