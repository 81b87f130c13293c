"""From the codes of single cases to one diagnosis per failing test.

:func:`grader.diagnose.findings` names every misconception whose model fits one output; several
often do on a given case (a symmetric SAME split and a short output can give the same numbers).
:func:`settle` looks at the whole submission and decides, per failing test:

1. **Calls that raised.** A misconception that makes calls raise (a channel check reading NCHW...)
   is named only when the valid calls it says raise all did, in the whole submission, and it
   accounts for the crashes better than a class of case does (see :func:`_raising_codes`). Each
   crash is also given the class of case it belongs to (``N = 0``...), preferably a class that every
   crashing call of the test has and no call that ran has.
2. **Premises.** A code whose premise the submission contradicts is never shown
   (``output_size_off_by_one`` when the student's own ``output_size`` passes every case); it still
   explains the cases it fits, so that a rival that merely coincides there is not named instead.
3. **One code per test.** The code that explains the most failing cases of the test is chosen, ties
   broken by how many failing cases of the whole submission it explains (evidence from the other
   tests, e.g. a test added to separate two misconceptions) and then by specificity
   (:data:`~grader.diagnose.codes.RANK`). Another code is added only for failing cases the chosen
   ones leave unexplained, and never a rival of a chosen one. A case keeps its generic codes
   (``wrong_shape``...) only when no chosen code explains it.

Runs on the trusted side and in the student's local check alike; needs no model (the analyses it
reads are precomputed for public cases).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any, Sequence

from grader.cases import Case
from grader.diagnose import analysis
from grader.diagnose.codes import GENERIC, ORTHOGONAL, OUTCOME, PREMISES, RANK, contradicts, rank

MISCONCEPTIONS = frozenset(RANK)

#: Outcome codes after which nothing is known about how the call would have ended.
_UNKNOWN_END = frozenset({"timeout", "memory_limit", "crashed", "forbidden_import", "forbidden_operation",
                          "missing_function", "not_implemented", "syntax_error"})


def _raised(result: Any) -> bool:
    return "crashed_on_case" in result.codes


def settle(tests: Sequence[Sequence[tuple[Case, Any]]]) -> list[list[Any]]:
    """Settle the codes of a submission's case results (``CaseResult``-like: ``passed``, ``codes``,
    ``facts``), test by test; returns new results in the same layout, verdicts untouched."""
    tests = [list(test) for test in tests]
    if all(result.passed for test in tests for _, result in test):
        return [[result for _, result in test] for test in tests]
    codes: dict[int, list[str]] = {}
    facts: dict[int, dict[str, dict[str, str]]] = {}
    for test in tests:
        for case, result in test:
            if not result.passed:
                codes[id(result)] = list(result.codes)
                facts[id(result)] = {code: dict(fields) for code, fields in (result.facts or {}).items()}
    flat = [(case, result) for test in tests for case, result in test]

    _raising_codes(flat, codes)
    for test in tests:
        _crash_class(test, flat, codes, facts)
    silenced = _premises(flat)

    support = Counter(code for found in codes.values() for code in found if code in MISCONCEPTIONS)
    out = []
    for test in tests:
        chosen = _choose(test, codes, support)
        settled = []
        for _, result in test:
            if result.passed:
                settled.append(result)
                continue
            mine = codes[id(result)]
            shown = [c for c in chosen if c in mine and c not in silenced]
            new = shown + [c for c in mine if c in OUTCOME]
            if not shown:
                new += [c for c in mine if c in GENERIC]
            new += [c for c in mine if c in ORTHOGONAL]
            new = tuple(dict.fromkeys(new))
            kept_facts = {c: f for c, f in facts[id(result)].items() if c in new and f}
            if new == tuple(result.codes) and kept_facts == (result.facts or {}):
                settled.append(result)  # nothing to change (the usual case): no copy
            else:
                settled.append(replace(result, codes=new, facts=kept_facts))
        out.append(settled)
    return out


def _valid_ends(flat: list[tuple[Case, Any]], function: str) -> list[tuple[Case, Any, bool]]:
    """Valid calls of ``function`` whose end is known: (case, result, raised)."""
    out = []
    for case, result in flat:
        if case.function != function or case.expects_error or _UNKNOWN_END & set(result.codes):
            continue
        out.append((case, result, _raised(result)))
    return out


def _raising_codes(flat: list[tuple[Case, Any]], codes: dict[int, list[str]]) -> None:
    """Add the misconceptions that account for the submission's crashes.

    A misconception whose model says "this call raises" is named on the calls it predicts when every
    one of them did raise, some valid call of the function ran (code that raises everywhere shows
    nothing about why), and either it predicts every crash or no class of case accounts for the
    crashes by itself (one class of case holding every crash and no call that ran is a better account
    of a crash pattern than a misconception that predicts only part of it).
    """
    for function in dict.fromkeys(case.function for case, result in flat if _raised(result)):
        ends = _valid_ends(flat, function)
        raised = {i for i, (_, _, r) in enumerate(ends) if r}
        ran = {i for i, (_, _, r) in enumerate(ends) if not r}
        if not raised or not ran:
            continue
        predicted = [analysis(case).raises for case, _, _ in ends]
        classes = [set(analysis(case).classes) for case, _, _ in ends]
        shared = set.intersection(*(classes[i] for i in raised))
        by_class = any(not any(k in classes[j] for j in ran) for k in shared)
        for key in sorted(set().union(*predicted)):
            marked = {i for i, p in enumerate(predicted) if key in p}
            if not marked or not marked <= raised or (marked != raised and by_class):
                continue
            code = key.split(":")[0]
            for i in marked:
                result = ends[i][1]
                if code not in codes[id(result)]:
                    codes[id(result)].insert(0, code)


def _crash_class(test: list[tuple[Case, Any]], flat: list[tuple[Case, Any]], codes: dict[int, list[str]],
                 facts: dict[int, dict]) -> None:
    """Name the class of case the test's crashes belong to (a class no call that ran shares, if any).
    Crashes a misconception already accounts for need none: their ``crashed_on_case`` is not shown."""
    crashing = [(case, result) for case, result in test if not result.passed and _raised(result)
                and not MISCONCEPTIONS.intersection(codes[id(result)])]
    if not crashing:
        return
    functions = {case.function for case, _ in crashing}
    ran = [case for case, result in flat
           if case.function in functions and not case.expects_error and not _raised(result)
           and not _UNKNOWN_END & set(result.codes)]
    if not ran:
        return  # every kind of case crashes: no class says where
    ran_counts = Counter(k for case in ran for k in analysis(case).classes)
    lists = [analysis(case).classes for case, _ in crashing]
    order = {k: i for i, k in enumerate(k for classes in lists for k in classes)}
    shared = set(lists[0]).intersection(*lists[1:]) if lists else set()
    pool = shared or set(order)
    if not pool:
        return
    seen = Counter(k for classes in lists for k in classes)
    best = min(pool, key=lambda k: (ran_counts[k] > 0, -seen[k], ran_counts[k], order[k]))
    for _, result in crashing:
        facts[id(result)].setdefault("crashed_on_case", {})["case_class"] = best


def _premises(flat: list[tuple[Case, Any]]) -> set[str]:
    """Codes the submission contradicts. They still explain the cases they fit (so that a rival that
    merely coincides there is not named instead), but they are never shown: those cases keep their
    generic codes."""
    by_function: dict[str, list[bool]] = {}
    for case, result in flat:
        by_function.setdefault(case.function, []).append(result.passed)
    passing = {f for f, verdicts in by_function.items() if verdicts and all(verdicts)}
    return {code for code, function in PREMISES.items() if function in passing}


def _choose(test: list[tuple[Case, Any]], codes: dict[int, list[str]], support: Counter) -> list[str]:
    failing = [MISCONCEPTIONS.intersection(codes[id(result)]) for _, result in test if not result.passed]
    candidates = set().union(*failing) if failing else set()
    chosen: list[str] = []
    uncovered = [c for c in failing if c]
    while uncovered:
        options = [c for c in candidates if c not in chosen and not any(contradicts(c, d) for d in chosen)]
        if not options:
            break
        best = max(options, key=lambda c: (sum(c in u for u in uncovered), support[c], -rank(c)))
        if not any(best in u for u in uncovered):
            break
        chosen.append(best)
        uncovered = [u for u in uncovered if best not in u]
    return chosen
