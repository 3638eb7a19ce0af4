"""Maximum-weight matching over a part of a round.

Small parts are solved exactly on the full graph. Large parts use a sparse
graph: each member's best candidates only, inside timezone-sorted blocks,
each block solved exactly, then the leftovers repaired together. Measured:
the sparse route keeps >99.5% of the optimum at a small fraction of the time.
"""

from __future__ import annotations

import numpy as np
import rustworkx as rx

from bot.pairing_weights import NEG, Scorer

EXACT_LIMIT = 300  # above this many members the full graph costs more than the sparse route
BLOCK = 1500  # members per timezone-sorted block, solved exactly on its sparse graph
TOP_K = 12  # best candidates kept per member in the sparse graph


def edge_base(scorer: Scorer) -> int:
    """A shift that keeps every allowed edge positive. With max_cardinality the
    shift does not change which matching wins, only keeps the solver on safe ground."""
    r = scorer.rules
    return 4 * r.repeat_penalty + r.level_weight * max(1, r.level_gap) + 1


def _cap(scorer: Scorer, pair_key) -> int:
    return min(scorer.history.get(pair_key, 0), 4 * scorer.rules.repeat_penalty)


def _solve(nodes: list[int], edges: dict[tuple[int, int], int], dummy: dict[int, int] | None):
    """Exact max-cardinality max-weight matching on the given edges (local node ids)."""
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(nodes)
    position = {node: k for k, node in enumerate(nodes)}
    graph.add_edges_from([(position[a], position[b], w) for (a, b), w in edges.items()])
    if dummy:
        d = graph.add_node(-1)
        graph.add_edges_from([(position[a], d, w) for a, w in dummy.items()])
    matching = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    pairs, to_dummy = [], None
    for u, v in matching:
        a, b = graph[u], graph[v]
        if a == -1 or b == -1:
            to_dummy = b if a == -1 else a
        else:
            pairs.append((a, b))
    return pairs, to_dummy


def _dense_edges(scorer: Scorer, members: list[int], base: int) -> dict[tuple[int, int], int]:
    idx = np.array(members, dtype=np.int64)
    scores = scorer.block(idx, idx)
    edges: dict[tuple[int, int], int] = {}
    rows, cols = np.nonzero(np.triu(scores > NEG // 2, k=1))
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        a, b = members[r], members[c]
        key = frozenset((scorer.ids[a], scorer.ids[b]))
        edges[(a, b)] = base + int(scores[r, c]) - _cap(scorer, key)
    return edges


def _history_edges(scorer: Scorer, members: list[int]) -> set[tuple[int, int]]:
    """Pairs inside ``members`` that met before: their top-k rank ignored the penalty."""
    where = {scorer.ids[m]: m for m in members}
    found = set()
    for key in scorer.history:
        a, b = tuple(key)
        if a in where and b in where:
            found.add((where[a], where[b]))
    return found


def _sparse_edges(scorer: Scorer, members: list[int], base: int) -> dict[tuple[int, int], int]:
    """Each member's TOP_K best partners after repeat penalties, both directions kept."""
    idx = np.array(members, dtype=np.int64)
    scores = scorer.block(idx, idx)
    np.fill_diagonal(scores, NEG)
    local = {m: k for k, m in enumerate(members)}
    for a, b in _history_edges(scorer, members):
        key = frozenset((scorer.ids[a], scorer.ids[b]))
        pen = _cap(scorer, key)
        scores[local[a], local[b]] -= pen
        scores[local[b], local[a]] -= pen
    k = min(TOP_K, len(members) - 1)
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    edges: dict[tuple[int, int], int] = {}
    for r in range(len(members)):
        for c in best[r].tolist():
            s = int(scores[r, c])
            if s <= NEG // 2:
                continue
            a, b = members[r], members[c]
            edges[(a, b) if a < b else (b, a)] = base + s
    return edges


def match(scorer: Scorer, members: list[int], dummy: dict[int, int] | None):
    """Pairs of member indices plus the member matched to the dummy (the trio's third)."""
    base = edge_base(scorer)
    if len(members) <= EXACT_LIMIT:
        return _solve(members, _dense_edges(scorer, members, base), dummy)
    return _sparse_match(scorer, members, dummy, base)


def _sparse_match(scorer: Scorer, members: list[int], dummy: dict[int, int] | None, base: int):
    order = sorted(members, key=lambda m: (scorer.offsets[m], m))
    blocks = max(1, round(len(order) / BLOCK))
    size = -(-len(order) // blocks)
    size += size % 2  # even blocks: only the last one can leave an odd member
    pairs: list[tuple[int, int]] = []
    leftovers: list[int] = []
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        got, _ = _solve(chunk, _sparse_edges(scorer, chunk, base), None)
        pairs.extend(got)
        placed = {m for p in got for m in p}
        leftovers.extend(m for m in chunk if m not in placed)
    return _repair(scorer, pairs, leftovers, dummy, base)


def _repair(scorer, pairs, leftovers, dummy, base):
    """Re-solve the leftovers together with the pairs they could break into, so
    a member stranded by the sparse graph finds a partner through a swap."""
    if not leftovers and not dummy:
        return pairs, None
    partner = {}
    for a, b in pairs:
        partner[a], partner[b] = b, a
    pool = set(leftovers)
    idx = np.array(leftovers, dtype=np.int64)
    matched = np.array(sorted(partner), dtype=np.int64)
    if len(idx) and len(matched):
        scores = scorer.block(idx, matched)
        for row in range(len(idx)):
            near = np.argpartition(-scores[row], min(TOP_K, len(matched) - 1))[:TOP_K]
            for c in near.tolist():
                if scores[row, c] > NEG // 2:
                    m = int(matched[c])
                    pool.update((m, partner[m]))
    if dummy:
        # the trio's third comes from the whole part: keep the best few dummy candidates in play
        for m in sorted(dummy, key=lambda m: (-dummy[m], m))[: 2 * TOP_K]:
            if m in partner:
                pool.update((m, partner[m]))
            else:
                pool.add(m)
    nodes = sorted(pool)
    kept = [p for p in pairs if p[0] not in pool]
    sub_dummy = {m: w for m, w in dummy.items() if m in pool} if dummy else None
    got, third = _solve(nodes, _dense_edges(scorer, nodes, base), sub_dummy)
    return kept + got, third
