#!/usr/bin/env python3
"""Snapshot the heap of a running CPython program into a gclab trace.

Usage: snapshot-heap.py [--objects N] [--seed S] --out FILE.gctrace PROGRAM.py [ARGS...]

Runs PROGRAM (as __main__, with ARGS as sys.argv[1:]) in this interpreter, then, with
everything the program left alive still referenced, walks the object graph from
the program's globals and sys.modules breadth-first through gc.get_referents, keeping tracked objects only (the ones
CPython's cycle collector sees), at most N of them (default 20,000). Each kept object
becomes a gclab object: its reference fields are its referents among the kept objects (at
most 65,535), its payload is sys.getsizeof (at most 4 KiB); a weakref.ref among them
becomes a gclab weak reference to its referent; an object whose type defines __del__ gets
a finalizer. The trace (format: workloads/src/trace.rs, version 1) then

  1. allocates every object into a slot of its own and stores every edge,
  2. mutates the graph: every 7th edge (in a seeded order) is cut,
  3. keeps only the roots (objects no kept object refers to) in slots, runs one full
     collection (the program's live heap, scanned), and
  4. drops the roots one by one and runs a final full collection: what the program's
     references made acyclic is freed by reference counting, the rest is cyclic garbage.

Standard library only. Take a snapshot with the interpreter whose heap you want; the
trace is the same program for every gclab collector.
"""

import argparse
import gc
import os
import random
import runpy
import sys
import weakref

MAGIC = b"GCTRACE\0"
VERSION = 1
MAX_FIELDS = 65535
MAX_PAYLOAD = 4096

END, RESERVE, ALLOC, STORE, CLEAR, NEW_WEAK, SET_FINALIZER, COLLECT = (
    0x00, 0x01, 0x02, 0x04, 0x06, 0x08, 0x0A, 0x0B)


class Trace:
    """The trace's bytes, written op by op."""

    def __init__(self):
        self.out = bytearray(MAGIC)
        self.out.append(VERSION)
        self.varint(0)

    def varint(self, v):
        while True:
            byte = v & 0x7F
            v >>= 7
            if v == 0:
                self.out.append(byte)
                return
            self.out.append(byte | 0x80)

    def op(self, code, *operands):
        self.out.append(code)
        for v in operands:
            self.varint(v)


def select(limit, program_globals):
    """Tracked objects reachable from the program's globals and sys.modules, breadth
    first, at most `limit`; the snapshot's own frame is skipped."""
    skip = {id(sys._getframe()), id(select)}
    order = [program_globals, sys.modules]
    index = {id(o): i for i, o in enumerate(order)}
    at = 0
    while at < len(order) and len(order) < limit:
        for ref in gc.get_referents(order[at]):
            if len(order) >= limit:
                break
            if id(ref) in index or id(ref) in skip or not gc.is_tracked(ref):
                continue
            index[id(ref)] = len(order)
            order.append(ref)
        at += 1
    return order, index


def snapshot(limit, seed, program_globals):
    """The trace of the current heap."""
    gc.collect()
    objects, index = select(limit, program_globals)
    edges = []
    weak = {}
    for i, obj in enumerate(objects):
        if type(obj) is weakref.ref or type(obj) is weakref.KeyedRef:
            target = obj()
            if target is not None and id(target) in index:
                weak[i] = index[id(target)]
            continue
        fields = [index[id(r)] for r in gc.get_referents(obj) if id(r) in index]
        edges.append((i, fields[:MAX_FIELDS]))
    fields_of = dict(edges)
    trace = Trace()
    trace.op(RESERVE, len(objects))
    for i, obj in enumerate(objects):
        if i in weak:
            continue
        payload = min(sys.getsizeof(obj), MAX_PAYLOAD)
        trace.op(ALLOC, i, len(fields_of.get(i, ())), payload)
    # Weak references after their targets exist; one that points at a weak reference
    # waits for it.
    pending = dict(weak)
    made = set()
    while pending:
        progress = False
        for i, target in list(pending.items()):
            if target in pending:
                continue
            trace.op(NEW_WEAK, i, target, 0)
            made.add(i)
            del pending[i]
            progress = True
        if not progress:
            for i in pending:
                trace.op(ALLOC, i, 0, 0)
            break
    referred = set()
    for i, fields in edges:
        for f, j in enumerate(fields):
            trace.op(STORE, i, f, j + 1)
            referred.add(j)
    tag = 0
    for i, obj in enumerate(objects):
        if i not in weak and hasattr(type(obj), "__del__"):
            tag += 1
            trace.op(SET_FINALIZER, i, tag, 0)
    rng = random.Random(seed)
    cut = [(i, f) for i, fields in edges for f in range(len(fields))]
    rng.shuffle(cut)
    for i, f in cut[::7]:
        trace.op(STORE, i, f, 0)
    roots = [i for i in range(len(objects)) if i not in referred]
    root_set = set(roots)
    for i in reversed(range(len(objects))):
        if i not in root_set:
            trace.op(CLEAR, i)
    trace.op(COLLECT, 0)
    for i in roots:
        trace.op(CLEAR, i)
    trace.op(COLLECT, 0)
    trace.out.append(END)
    return bytes(trace.out), len(objects), len(weak), tag, len(roots)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    if opts.objects < 1:
        print("snapshot-heap: --objects must be at least 1", file=sys.stderr)
        return 2
    sys.argv = [opts.program] + opts.args
    sys.path.insert(0, os.path.dirname(os.path.abspath(opts.program)))
    try:
        program_globals = runpy.run_path(opts.program, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            print(f"snapshot-heap: {opts.program} exited with {e.code}", file=sys.stderr)
            return 1
        program_globals = {}
    except Exception as e:  # the program's own failure, reported in one line
        print(f"snapshot-heap: {opts.program} failed: {type(e).__name__}: {e}",
              file=sys.stderr)
        return 1
    data, objects, weak, finalizers, roots = snapshot(opts.objects, opts.seed, program_globals)
    del program_globals
    with open(opts.out, "wb") as f:
        f.write(data)
    print(f"snapshot-heap: {objects} objects ({weak} weak references, {finalizers} with "
          f"finalizers, {roots} roots), {len(data)} bytes -> {opts.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
