"""Moved to :mod:`irtoolbox.degradations.observation_model` (a degradation model, not a
head; issue 17). This name stays importable for existing code and tests."""
from irtoolbox.degradations.observation_model import *  # noqa: F401,F403
from irtoolbox.degradations.observation_model import (  # noqa: F401
    ObservationModel,
    SampleObservation,
    flatten_params,
    has_degradation,
)
