"""Latency statistics: nearest-rank percentiles over samples in seconds, reported in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(sorted_samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of already sorted samples; 0.0 when empty."""
    if not sorted_samples:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_samples)))
    return sorted_samples[min(rank, len(sorted_samples)) - 1]


def latency_ms(samples: Sequence[float]) -> dict[str, Any]:
    """p50/p95/p99/max/mean in milliseconds of latencies given in seconds."""
    ordered = sorted(samples)
    mean = sum(ordered) / len(ordered) if ordered else 0.0
    return {
        "count": len(ordered),
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 3),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 3),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 3),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 3),
        "mean_ms": round(mean * 1000, 3),
    }


__all__ = ["latency_ms", "percentile"]
