"""Experiment (not part of the solver): chordal conversion of a one-block SDPA problem into a
multi-block one, to measure what a chordal decomposition of sparse PSD cones would gain before
building it into the solver (docs/history/benchmarks-log.md, 2026-11-23, "Sparse max-cut against Clarabel").

The aggregate sparsity pattern of the block is extended to a chordal one by minimum-degree
elimination; its maximal cliques become the new blocks (with `merge`, a child clique is merged
into its parent in the elimination tree when |C_p ∪ C_c|³ <= |C_p|³ + |C_c|³). An entry covered
by several cliques keeps its data in the first and gets one free variable per other clique
(-y in the first, +y in the other), so that the blocks add up to the original matrix:
S = Σ_k T_kᵀ S_k T_k with S_k ⪰ 0, which for a chordal pattern is exactly S ⪰ 0.

Usage: python3 Benchmarks/sdpa_chordal_conversion.py IN.dat-s OUT.dat-s [merge]"""
import sys
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent))
from sdplib import read_sdpa
from pathlib import Path
from collections import defaultdict
m, sizes, c, entries = read_sdpa(Path(sys.argv[1]))
merge = len(sys.argv) > 3 and sys.argv[3] == 'merge'
assert len(sizes) == 1 and sizes[0] > 0
n = sizes[0]
adj = [set() for _ in range(n)]
for (k, b, i, j, v) in entries:
    i -= 1; j -= 1
    if i != j: adj[i].add(j); adj[j].add(i)
# min degree elimination -> cliques via elimination tree
H = [set(a) for a in adj]; alive = set(range(n)); order = []; colset = {}
while alive:
    v = min(alive, key=lambda u: (len(H[u]), u))
    nb = set(H[v]); colset[v] = nb
    for a in nb:
        H[a] |= nb; H[a].discard(a); H[a].discard(v)
    alive.discard(v); order.append(v)
pos = {v: k for k, v in enumerate(order)}
parent = {v: (min(colset[v], key=lambda u: pos[u]) if colset[v] else None) for v in order}
# supernodal cliques: clique of v = {v} ∪ colset[v]; maximal ones.
cl = {v: frozenset({v} | colset[v]) for v in order}
children = defaultdict(list)
for v in order:
    if parent[v] is not None: children[parent[v]].append(v)
# v's clique is non-maximal iff some child u has |colset[u]| == |colset[v]| + 1 (then cl[v] ⊂ cl[u])
rep = {}
cliques = []  # list of sets
owner = {}
for v in order:
    sub = [u for u in children[v] if len(colset[u]) == len(colset[v]) + 1]
    if sub:
        rep[v] = rep[sub[0]]
        cliques[rep[v]] = cliques[rep[v]] | cl[v]
    else:
        rep[v] = len(cliques); cliques.append(set(cl[v]))
cparent = [None] * len(cliques)
for v in order:
    p = parent[v]
    if p is not None and rep[p] != rep[v]: cparent[rep[v]] = rep[p]
if merge:
    # merge child into parent when |C_p ∪ C_c|^3 <= |C_p|^3 + |C_c|^3 (flop heuristic), repeatedly
    alivec = set(range(len(cliques)))
    changed = True
    while changed:
        changed = False
        for k in sorted(alivec, key=lambda k: -len(cliques[k])):
            p = cparent[k]
            if p is None or k not in alivec: continue
            u = len(cliques[p] | cliques[k])
            if u ** 3 <= len(cliques[p]) ** 3 + len(cliques[k]) ** 3:
                cliques[p] |= cliques[k]; alivec.discard(k)
                for j in alivec:
                    if cparent[j] == k: cparent[j] = p
                changed = True
    cliques = [cliques[k] for k in sorted(alivec)]
cliques = [sorted(C) for C in cliques]
print(f"{len(cliques)} cliques, max {max(map(len, cliques))}, sum k(k+1)/2 = {sum(len(C)*(len(C)+1)//2 for C in cliques)}", file=sys.stderr)
# entries of the extended pattern -> cliques containing them
where = defaultdict(list)
for k, C in enumerate(cliques):
    for a in range(len(C)):
        for b2 in range(a, len(C)):
            where[(C[a], C[b2])].append((k, a, b2))
data = defaultdict(list)
for (mat, blk, i, j, v) in entries:
    i -= 1; j -= 1
    if i > j: i, j = j, i
    data[(i, j)].append((mat, v))
out = []  # (mat, block, i, j, value)
nextvar = m
extra = 0
for key, lst in where.items():
    k0, a0, b0 = lst[0]
    for (mat, v) in data.get(key, []):
        out.append((mat, k0 + 1, a0 + 1, b0 + 1, v))
    for (k, a, b2) in lst[1:]:
        nextvar += 1; extra += 1
        # X_owner(ij) gets −y, X_k(ij) gets +y  (y is variable nextvar, F matrix entries)
        out.append((nextvar, k0 + 1, a0 + 1, b0 + 1, -1.0))
        out.append((nextvar, k + 1, a + 1, b2 + 1, 1.0))
print(f"{extra} overlap variables, m = {nextvar}", file=sys.stderr)
with open(sys.argv[2], 'w') as f:
    f.write(f"{nextvar}\n{len(cliques)}\n{' '.join(str(len(C)) for C in cliques)}\n")
    f.write(' '.join(repr(v) for v in c + [0.0] * extra) + "\n")
    for (mat, k, a, b2, v) in out:
        f.write(f"{mat} {k} {a} {b2} {v!r}\n")
