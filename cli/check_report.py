"""`check`'s text view. Every problem is listed, except that examples the routing analysis
sends elsewhere are summed up per file: after a rewrite there can be hundreds, and a list
that long hides the placeholder or broken file that matters. `--details` (and `--json`)
show each one with what captures it."""

from __future__ import annotations

from collections import Counter, defaultdict

from core.content.errors import ContentError

SHOWN_RIVALS = 3


def lines(problems: list[ContentError], details: bool) -> list[str]:
    shown = [f"{p.severity}: {p}" for p in problems if details or not p.routed_to]
    if details:
        return shown
    rerouted: dict[str, list[ContentError]] = defaultdict(list)
    for problem in problems:
        if problem.routed_to:
            rerouted[problem.file].append(problem)
    for file, found in rerouted.items():
        rivals = Counter(p.routed_to for p in found).most_common()
        named = ", ".join(f"{n} × {rival}" for rival, n in rivals[:SHOWN_RIVALS])
        more = f", {sum(n for _, n in rivals[SHOWN_RIVALS:])} × other" if len(rivals) > SHOWN_RIVALS else ""
        shown.append(
            f"warning: {file}: {len(found)} example question(s) would get another reply if a client wrote them "
            f"({named}{more}); `medspa check --details` lists each with what takes it"
        )
    return shown
