"""CPython's side of the `cycle_collect` bench, to run in the same minutes as it.

    python3.11 gc-cycle/benches/cpython_cycle_collect.py [ROUNDS]

Prints, per round, the time of one `gc.collect()` over 1,000,000 garbage pairs built with
automatic collection off (two-slot objects, as the bench's pairs have one field and a
payload), and of a full collection of a live 1,000,000-node random graph held by lists of
1,000 (two random references per node, as `fixtures::indexed_random_graph` builds it).
On a shared machine only figures taken side by side mean anything: compare the ratio.
"""

import gc
import random
import sys
import time

N = 1_000_000


class Pair:
    __slots__ = ("r", "p")


class Node:
    __slots__ = ("a", "b", "p")


def pairs():
    gc.disable()
    for _ in range(N):
        a = Pair()
        b = Pair()
        a.r = b
        b.r = a
    del a, b
    start = time.perf_counter()
    collected = gc.collect()
    return collected, time.perf_counter() - start


def graph():
    gc.disable()
    nodes = [Node() for _ in range(N)]
    rnd = random.Random(42)
    for node in nodes:
        node.a = nodes[rnd.randrange(N)]
        node.b = nodes[rnd.randrange(N)]
        node.p = 0
    arrays = [nodes[i : i + 1000] for i in range(0, N, 1000)]
    del nodes
    gc.collect()
    start = time.perf_counter()
    collected = gc.collect()
    elapsed = time.perf_counter() - start
    del arrays
    return collected, elapsed


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"CPython {sys.version.split()[0]}")
    for r in range(rounds):
        collected, t = pairs()
        print(f"round {r}: pairs collected {collected} in {t * 1e3:.1f} ms "
              f"({t * 1e9 / collected:.1f} ns per object)")
        gc.collect()
        collected, t = graph()
        print(f"round {r}: live graph collected {collected} in {t * 1e3:.1f} ms "
              f"({t * 1e9 / N:.1f} ns per object)")
        gc.collect()


if __name__ == "__main__":
    main()
