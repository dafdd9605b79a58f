#!/usr/bin/env python3
"""gclab's CPython peer: replay a gclab trace on CPython's own garbage collector.

Usage: gclab_cpython.py TRACE [--threshold T0,T1,T2] [--workload NAME] [--seed N]

Reads a trace written by gclab's `workloads::trace` module (format version 1, documented
there), decodes it and compiles it into straight-line Python functions (20,000 operations
each, so the replay runs like a hand-written program, without a per-operation dispatch
loop) before the clock starts, freezes the driver's own objects out of the collector's way
(gc.freeze), and runs it: objects are instances of one class per
field count whose reference fields are real __slots__ (f0, f1, ...) plus an immutable
bytes payload (replaced on write: one allocation and no gc tracking, as an int value would
be; a bytearray costs a second allocation per object and made the 1M-pair collection 1.5x
slower); weak references are weakref.ref subclass instances with callbacks; finalizers are
__del__ (the object's class is switched to a subclass that has one), and resurrection stores
the object into its root slot, as PEP 442 allows once. Every collection, automatic or
explicit, is timed through gc.callbacks with time.perf_counter_ns and its collected count
summed. After the replay one gc.collect() runs (the check collection) and a census counts
the live node and weak reference objects through gc.get_objects(). One JSON object with
the same fields as the Rust peers' PeerRunResult goes to stdout. Standard library only.
"""

import argparse
import gc
import json
import sys
import time
import weakref

MAGIC = b"GCTRACE\x00"
VERSION = 1

(END, RESERVE, ALLOC, LOAD, STORE, COPY, CLEAR, WRITE_PAYLOAD, NEW_WEAK, UPGRADE,
 SET_FINALIZER, COLLECT, AUTO_COLLECT, SAFEPOINT, DRAIN) = range(15)

# Operands per opcode, in the trace's order ("o" marks an optional value: 0 = none).
OPERANDS = {
    RESERVE: "v", ALLOC: "vvv", LOAD: "vvv", STORE: "vvo", COPY: "vv", CLEAR: "v",
    WRITE_PAYLOAD: "vvv", NEW_WEAK: "vvo", UPGRADE: "vv", SET_FINALIZER: "vvo",
    COLLECT: "o", AUTO_COLLECT: "v", SAFEPOINT: "", DRAIN: "",
}
NONE = -1


class TraceError(Exception):
    """A malformed trace or an operation the replay rejects."""


def decode(data):
    """Decodes a trace into (initial slots, flat list of ints); optional operands become
    NONE or the value; WRITE_PAYLOAD gets the byte offset of its data appended."""
    if data[:8] != MAGIC:
        raise TraceError("bad magic: not a gclab trace")
    if len(data) < 9 or data[8] != VERSION:
        raise TraceError("unsupported trace version")
    pos = 9
    n = len(data)

    def varint():
        nonlocal pos
        value = 0
        shift = 0
        while True:
            if pos >= n:
                raise TraceError(f"truncated varint at byte {pos}")
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 63:
                raise TraceError(f"overlong varint at byte {pos}")

    slots = varint()
    code = []
    push = code.append
    while True:
        if pos >= n:
            raise TraceError("missing end of trace")
        op = data[pos]
        pos += 1
        if op == END:
            if pos != n:
                raise TraceError(f"{n - pos} bytes after the end of the trace")
            return slots, code
        kinds = OPERANDS.get(op)
        if kinds is None:
            raise TraceError(f"unknown opcode 0x{op:02X} at byte {pos - 1}")
        push(op)
        for kind in kinds:
            v = varint()
            push(v - 1 if kind == "o" else v)
        if op == WRITE_PAYLOAD:
            length = code[-1]
            if pos + length > n:
                raise TraceError("truncated payload bytes")
            push(pos)
            pos += length


class NodeBase:
    """Common slots: the payload, the finalizer record, and weak-reference support."""
    __slots__ = ("payload", "fin", "__weakref__")


class WeakNode(weakref.ref):
    """A weak reference object (gc-core models weak references as heap objects)."""
    __slots__ = ("tag",)


NODE_CLASSES = {}
FIN_CLASSES = {}
FIELD_COUNT = {}
STATE = {"finalized": 0, "callbacks": 0, "slots": None}


def _finalizer(self):
    tag, slot = self.fin
    STATE["finalized"] += 1
    if slot != NONE:
        STATE["slots"][slot] = self  # resurrection (PEP 442: __del__ runs once)


def node_class(fields):
    """The class for objects with `fields` reference fields, one real slot each."""
    cls = NODE_CLASSES.get(fields)
    if cls is None:
        cls = type(f"Node{fields}", (NodeBase,),
                   {"__slots__": tuple(f"f{i}" for i in range(fields))})
        cls.__init__ = node_init(fields)
        NODE_CLASSES[fields] = cls
        FIN_CLASSES[fields] = type(f"FinNode{fields}", (cls,),
                                   {"__slots__": (), "__del__": _finalizer})
        FIELD_COUNT[cls] = FIELD_COUNT[FIN_CLASSES[fields]] = fields
    return cls


def weak_callback(wr):
    STATE["callbacks"] += 1


CHUNK_LINES = 20000


def node_init(fields):
    """An __init__ for a class with `fields` slots: fields None, a zeroed payload."""
    body = "".join(f"    self.f{i} = None\n" for i in range(fields))
    src = f"def __init__(self, size):\n{body}    self.payload = bytes(size) if size else None\n"
    namespace = {}
    exec(src, namespace)
    return namespace["__init__"]


def compile_trace(initial_slots, code, data, env):
    """Compiles the decoded trace into straight-line Python, CHUNK_LINES operations per
    function, so the replay runs as a Python program would (no per-operation dispatch).
    Returns (functions, objects allocated)."""
    lines = []
    chunks = []
    allocated = 0

    def flush():
        if lines:
            src = "def chunk(s):\n" + "".join("    " + line + "\n" for line in lines)
            namespace = dict(env)
            exec(compile(src, f"<trace chunk {len(chunks)}>", "exec"), namespace)
            chunks.append(namespace["chunk"])
            lines.clear()

    i = 0
    end = len(code)
    while i < end:
        op = code[i]
        if op == STORE:
            v = code[i + 3]
            value = "None" if v == NONE else f"s[{v}]"
            lines.append(f"s[{code[i + 1]}].f{code[i + 2]} = {value}")
            i += 4
        elif op == ALLOC:
            nf = code[i + 2]
            if f"N{nf}" not in env:
                env[f"N{nf}"] = node_class(nf)
            lines.append(f"s[{code[i + 1]}] = N{nf}({code[i + 3]})")
            allocated += 1
            i += 4
        elif op == CLEAR:
            lines.append(f"s[{code[i + 1]}] = None")
            i += 2
        elif op == LOAD:
            lines.append(f"s[{code[i + 1]}] = s[{code[i + 2]}].f{code[i + 3]}")
            i += 4
        elif op == COPY:
            lines.append(f"s[{code[i + 1]}] = s[{code[i + 2]}]")
            i += 3
        elif op == WRITE_PAYLOAD:
            d, off, length, at = code[i + 1], code[i + 2], code[i + 3], code[i + 4]
            # A fresh bytes object per write, as a program computing the value makes: a
            # bytes constant would be shared with the code object, far from the node in
            # memory, and freeing the node would touch it (measured 2x slower collections).
            value = int.from_bytes(data[at:at + length], "little")
            fresh = f'({value}).to_bytes({length}, "little")'
            head = f"s[{d}].payload[:{off}] + " if off else ""
            lines.append(f"s[{d}].payload = {head}{fresh} + s[{d}].payload[{off + length}:]")
            i += 5
        elif op == NEW_WEAK:
            callback = "" if code[i + 3] == NONE else ", weak_callback"
            lines.append(f"s[{code[i + 1]}] = WeakNode(s[{code[i + 2]}]{callback})")
            allocated += 1
            i += 4
        elif op == UPGRADE:
            lines.append(f"s[{code[i + 1]}] = upgrade(s[{code[i + 2]}])")
            i += 3
        elif op == SET_FINALIZER:
            lines.append(f"set_finalizer(s[{code[i + 1]}], {code[i + 2]}, {code[i + 3]})")
            i += 4
        elif op == COLLECT:
            lines.append(f"collect({code[i + 1]})")
            i += 2
        elif op == AUTO_COLLECT:
            lines.append("gc.enable()" if code[i + 1] else "gc.disable()")
            i += 2
        elif op == RESERVE:
            lines.append(f"reserve(s, {code[i + 1]})")
            i += 2
        elif op in (SAFEPOINT, DRAIN):
            i += 1
        else:
            raise TraceError(f"unknown opcode {op}")
        if len(lines) >= CHUNK_LINES:
            flush()
    flush()
    return chunks, allocated


def run_compiled(initial_slots, code, data, flags):
    """Compiles, then runs the trace; returns (slots, allocated, explicit collections)."""
    counts = {"explicit": 0}

    def collect(generation):
        flags["explicit"] = True
        gc.collect() if generation == NONE else gc.collect(generation)
        flags["explicit"] = False
        counts["explicit"] += 1

    def reserve(slots, count):
        if count > len(slots):
            slots.extend([None] * (count - len(slots)))

    def upgrade(wr):
        if type(wr) is not WeakNode:
            raise TraceError("upgrade of an object that is not a weak reference")
        return wr()

    def set_finalizer(obj, tag, slot):
        obj.fin = (tag, slot)
        obj.__class__ = FIN_CLASSES[FIELD_COUNT[type(obj)]]

    env = {"gc": gc, "WeakNode": WeakNode, "weak_callback": weak_callback,
           "collect": collect, "reserve": reserve, "upgrade": upgrade,
           "set_finalizer": set_finalizer}
    chunks, allocated = compile_trace(initial_slots, code, data, env)
    slots = [None] * initial_slots
    STATE["slots"] = slots
    # The compiled program and the driver's own objects must not weigh on the measured gc.
    gc.collect()
    gc.freeze()
    flags["recording"] = True
    flags["origin"] = time.perf_counter_ns()
    for chunk in chunks:
        chunk(slots)
    return slots, allocated, counts["explicit"]


def census():
    kinds = set(NODE_CLASSES.values()) | set(FIN_CLASSES.values()) | {WeakNode}
    return sum(1 for o in gc.get_objects() if type(o) in kinds)


def main(argv):
    parser = argparse.ArgumentParser(description="replay a gclab trace on CPython's gc")
    parser.add_argument("trace")
    parser.add_argument("--threshold", help="gc.set_threshold values, e.g. 700,10,10")
    parser.add_argument("--workload", default="")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        with open(args.trace, "rb") as f:
            data = f.read()
        initial_slots, code = decode(data)
    except (OSError, TraceError) as e:
        print(f"gclab_cpython: {args.trace}: {e}", file=sys.stderr)
        return 2
    if args.threshold:
        try:
            gc.set_threshold(*[int(t) for t in args.threshold.split(",")])
        except (ValueError, TypeError) as e:
            print(f"gclab_cpython: bad --threshold {args.threshold!r}: {e}", file=sys.stderr)
            return 2

    pauses = []
    flags = {"explicit": False, "recording": False, "start": 0, "collected": 0, "origin": 0}

    def on_gc(phase, info):
        now = time.perf_counter_ns()
        if not flags["recording"]:
            return
        if phase == "start":
            flags["start"] = now
        else:
            freed = info["collected"] + info["uncollectable"]
            flags["collected"] += freed
            origin = flags["origin"]
            pauses.append({"start_ns": flags["start"] - origin, "end_ns": now - origin,
                           "automatic": not flags["explicit"], "freed": freed})

    gc.callbacks.append(on_gc)
    try:
        slots, allocated, explicit = run_compiled(initial_slots, code, data, flags)
    except (TraceError, AttributeError, TypeError, IndexError, KeyError) as e:
        print(f"gclab_cpython: replay failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    wall_ns = time.perf_counter_ns() - flags["origin"]
    collected_during_run = flags["collected"]
    flags["recording"] = False
    gc.enable()

    start = time.perf_counter_ns()
    gc.collect()
    final_collect_ns = time.perf_counter_ns() - start
    alive = census()
    slots.clear()
    gc.collect()
    leaked = census()
    gc.callbacks.remove(on_gc)

    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    result = {
        "peer": f"cpython-{version}",
        "workload": args.workload,
        "seed": args.seed,
        "wall_ns": wall_ns,
        "pauses": pauses,
        "allocated": allocated,
        "freed_during_run": collected_during_run,
        "explicit_collections": explicit,
        "automatic_collections": sum(1 for p in pauses if p["automatic"]),
        "final_collect_ns": final_collect_ns,
        "alive_after_final_collect": alive,
        "leaked_at_exit": leaked,
        "finalizers_run": STATE["finalized"],
        "weak_callbacks": STATE["callbacks"],
        "threshold": list(gc.get_threshold()),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
