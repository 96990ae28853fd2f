"""The flow toolkit: a step table, typed flow data, one callback codec, one stale answer.

See "Writing a flow" in docs/architecture.md.
"""

from bot.callbacks import CODEC, Button, Choice, Codec, Day, Int, Maybe, Pattern, Prefix
from bot.telegram.flowkit.steps import STALE, On, Refused, Step, StepFlow, Steps, on

__all__ = ["CODEC", "STALE", "Button", "Choice", "Codec", "Day", "Int", "Maybe", "On", "Pattern",
           "Prefix", "Refused", "Step", "StepFlow", "Steps", "on"]
