"""The brief's vocabulary (signal-model.md sections 3-5), defined once: each value the signals
write, in order, with the words a reader sees. Signals, rendering and templates use these.
"""

from __future__ import annotations

# verdicts
UNLOCKS = "unlocks_workload"
CHEAPER = "cheaper_per_task"
GRADE_NOT_BILL = "grade_not_bill"
BILL_ONLY = "bill_only"
NO_SIGNAL = "no_signal"
VERDICTS = {
    UNLOCKS: "unlocks a workload",
    CHEAPER: "cheaper per task",
    GRADE_NOT_BILL: "grade, not bill",
    BILL_ONLY: "bill moves, grade doesn't",
    NO_SIGNAL: "no signal",
}

# strengths, strongest first (items rank by this order)
STRONG, WEAK, NONE = "strong", "weak", "none"
STRENGTHS = {STRONG: "strong signal", WEAK: "weak signal", NONE: "no signal"}

# what a buyer would do
SWITCH, EXPAND, ROUTE, HOLD = "switch", "expand", "route", "hold"
BUYER_BEHAVIOURS = {
    SWITCH: "switch",
    EXPAND: "expand",
    ROUTE: "route: send it the hard share",
    HOLD: "hold",
}

# the serving cost driver a comparison turns on
COST_DRIVERS = {
    "price": "price per token",
    "generated_tokens": "generated tokens",
    "reasoning_tokens": "reasoning tokens",
    "retries": "retries",
    "context_size": "context size",
    "latency": "latency",
}

# the factors the change in cost per success is split over (Shapley), and the driver each is
FACTORS = {
    "price": "price per token",
    "output": "generated tokens",
    "reasoning": "reasoning tokens",
    "success": "success rate",
}
FACTOR_DRIVERS = {
    "price": "price",
    "output": "generated_tokens",
    "reasoning": "reasoning_tokens",
    "success": "retries",
}

# how each read of a comparison moves
DOWN, UP, FLAT = "down", "up", "flat"
