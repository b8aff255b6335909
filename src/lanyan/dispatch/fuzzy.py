"""Best fuzzy matches of a query among many names, without holding the interpreter lock.

rapidfuzz's ``process.extract`` scores every name in C++ but keeps Python's interpreter lock while
it does: with 50,000 premises the geocoder's name index holds ~52,000 keys, one search took
40–120 ms, and every other thread of the server process (a 119 call's among them) stood still
that long. ``process.cdist`` lets go of the lock while it scores; the best are then picked with
numpy. The answer is the same as ``process.extract``'s (best score first, then the earlier name;
compared on the geocoding test corpora).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from rapidfuzz import process


def extract(
    query: str,
    choices: Sequence[str],
    *,
    scorer: Callable[..., Any],
    limit: int,
    score_cutoff: float,
) -> list[tuple[str, float, int]]:
    """The ``limit`` best ``(choice, score, index)`` scoring at least ``score_cutoff``."""
    if not choices:
        return []
    scores = process.cdist(
        [query], choices, scorer=scorer, score_cutoff=score_cutoff, dtype=np.float64, workers=1
    )[0]
    hits = np.flatnonzero(scores >= score_cutoff)
    best = hits[np.lexsort((hits, -scores[hits]))][:limit]
    return [(choices[i], float(scores[i]), int(i)) for i in best]
