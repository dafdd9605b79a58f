#!/usr/bin/env python3
"""gclab's CPython peer: replay a gclab workload on CPython's own garbage collector.

Usage: gclab_cpython.py PROGRAM [--threshold T0,T1,T2] [--workload NAME] [--seed N]

PROGRAM is the workload's trace compiled by gclab (peers/src/pyprogram.rs, which documents
the format): Python functions, each a run of the trace's operations as straight-line code
(a run recurring throughout the trace is one function; the rest are one operation each),
the order to call them in, and the payload bytes the operations write. CPython compiles
source at about 12 us per line, so compiling the functions rather than the whole trace keeps
the preparation to seconds. The driver compiles the functions, freezes its own objects out
of the collector's way (gc.freeze) and calls them in order. Objects are instances of one
class per field count whose reference fields are real __slots__ (f0, f1, ...) plus an
immutable bytes payload (replaced on write: one allocation and no gc tracking, as an int
value would be; a bytearray costs a second allocation per object and made the 1M-pair
collection 1.5x slower); weak references are weakref.ref subclass instances with callbacks;
finalizers are __del__ (the object's class is switched to a subclass that has one), and
resurrection stores the object into its root slot, as PEP 442 allows once. Every
collection, automatic or explicit, is timed through gc.callbacks with time.perf_counter_ns
and recorded with its generation, collected and uncollectable counts (the "stop" info), so
gclab can compare collection sequences (`gclab fidelity`). After the replay one gc.collect()
runs (the check collection) and a census counts the live node and weak reference objects through
gc.get_objects(). One JSON object with the same fields as the Rust peers' PeerRunResult goes
to stdout. Standard library only.
"""

import argparse
import array
import gc
import json
import re
import sys
import time
import weakref

PROGRAM_MAGIC = b"GCPYPROG 1\n"
HEADER_KEYS = ("source_bytes", "calls", "payload_bytes", "payload_writes", "tags",
               "allocated", "functions", "operations")


PAUSE_FIELDS = ("start_ns", "end_ns", "automatic", "freed", "generation", "uncollectable")


class ProgramError(Exception):
    """A malformed program file or an operation the replay rejects."""


def read_program(data):
    """Splits a program file (format in peers/src/pyprogram.rs) into (header, source, calls,
    payload, payload lengths, finalizer tags), checking every section against the header."""
    if not data.startswith(PROGRAM_MAGIC):
        raise ProgramError("bad magic: not a gclab replay program (expected 'GCPYPROG 1')")
    newline = data.find(b"\n", len(PROGRAM_MAGIC))
    if newline < 0:
        raise ProgramError("truncated header")
    try:
        header = json.loads(data[len(PROGRAM_MAGIC):newline])
    except ValueError as e:
        raise ProgramError(f"unreadable header: {e}") from None
    if not isinstance(header, dict) or any(
            not isinstance(header.get(k), int) or header[k] < 0 for k in HEADER_KEYS):
        raise ProgramError(f"header needs non-negative integers {', '.join(HEADER_KEYS)}")
    pos = newline + 1
    sizes = (header["source_bytes"], 4 * header["calls"], header["payload_bytes"],
             4 * header["payload_writes"], 4 * header["tags"])
    if len(data) - pos != sum(sizes):
        raise ProgramError(f"{len(data) - pos} bytes after the header, the header announces "
                           f"{sum(sizes)}")
    sections = []
    for size in sizes:
        sections.append(data[pos:pos + size])
        pos += size
    source, call_bytes, payload, length_bytes, tag_bytes = sections
    if array.array("I").itemsize != 4:
        raise ProgramError("this interpreter's array('I') is not 32 bits wide")
    calls, lengths, tags = (array.array("I"), array.array("I"), array.array("I"))
    for values, raw in ((calls, call_bytes), (lengths, length_bytes), (tags, tag_bytes)):
        values.frombytes(raw)
        if sys.byteorder != "little":
            values.byteswap()
    if sum(lengths) != len(payload):
        raise ProgramError("payload lengths do not add up to the payload bytes")
    if calls and max(calls) >= header["functions"]:
        raise ProgramError(f"a call to function {max(calls)} of {header['functions']}")
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProgramError(f"source is not UTF-8: {e}") from None
    return header, text, calls, payload, lengths, tags


class NodeBase:
    """Common slots: the payload, the finalizer record, and weak-reference support."""
    __slots__ = ("payload", "fin", "__weakref__")


class WeakNode(weakref.ref):
    """A weak reference object (gc-core models weak references as heap objects, so one can
    carry a finalizer and be the referent of another weak reference)."""
    __slots__ = ("tag", "fin", "__weakref__")


NODE_CLASSES = {}
FIN_CLASSES = {}
FIELD_COUNT = {}
STATE = {"finalized": 0, "callbacks": 0, "slots": None}


def _finalizer(self):
    tag, slot = self.fin
    STATE["finalized"] += 1
    # No resurrection once the slots are torn down after the run (slots is None then).
    if slot is not None and STATE["slots"] is not None:
        STATE["slots"][slot] = self  # resurrection (PEP 442: __del__ runs once)


UNRAISABLE = []


class Spare:
    """A tracked object with no free list: releasing one takes it back out of count 0."""
    __slots__ = ("unused",)


# Released one per object the observer itself left counted in generation 0 (see on_gc).
SPARES = []
SPARE_COUNT = 256


def on_unraisable(unraisable):
    """An exception inside __del__ or a weak-reference callback, which CPython would only
    print and ignore: recorded, so the run fails with one line instead of passing."""
    exc = unraisable.exc_value
    UNRAISABLE.append(f"{type(exc).__name__}: {exc}")


FIN_WEAK_NODE = type("FinWeakNode", (WeakNode,), {"__slots__": (), "__del__": _finalizer})


def node_class(fields):
    """The class for objects with `fields` reference fields, one real slot each."""
    cls = NODE_CLASSES.get(fields)
    if cls is None:
        cls = type(f"Node{fields}", (NodeBase,),
                   {"__slots__": tuple(f"f{i}" for i in range(fields))})
        NODE_CLASSES[fields] = cls
        FIN_CLASSES[fields] = type(f"FinNode{fields}", (cls,),
                                   {"__slots__": (), "__del__": _finalizer})
        FIELD_COUNT[cls] = FIELD_COUNT[FIN_CLASSES[fields]] = fields
    return cls


NODE_NAME = re.compile(r"\bN(\d+)\(")


def weak_callback(wr):
    STATE["callbacks"] += 1


# Zeroed payloads are slices of this (a slice of bytes is a new, untracked bytes object).
ZEROS = bytes(1 << 16)


def node_factory(fields):
    """`N{fields}(size)`: a new node with its fields None and a zeroed payload. A factory
    rather than the class's __init__: calling a class with an argument makes a temporary
    argument tuple, a tracked object that would count in generation 0 at the node's own
    allocation and fire CPython's collections one allocation earlier than the trace's counts
    (see `gclab fidelity`); `cls()` with no argument and slicing ZEROS allocate nothing
    tracked but the node."""
    body = "".join(f"    o.f{i} = None\n" for i in range(fields))
    src = (f"def N{fields}(size):\n    o = cls()\n{body}"
           f"    o.payload = (ZEROS[:size] if size <= {len(ZEROS)} else bytes(size)) "
           f"if size else None\n    return o\n")
    namespace = {"cls": node_class(fields), "ZEROS": ZEROS}
    exec(src, namespace)
    return namespace[f"N{fields}"]


def payload_stream(payload, lengths):
    """The `nxt` of a program: each call returns the next payload value as a fresh bytes
    object (a slice copies), as a program computing the value would make one."""
    # The iterator is made here, not when the replay first calls `nxt`: an iterator made
    # during the replay would be a tracked object the trace does not have.
    each = iter(lengths)

    def values():
        at = 0
        for length in each:
            yield payload[at:at + length]
            at += length
    return values().__next__


def run_program(program, flags):
    """Compiles the program's functions, then calls them in order; returns (slots,
    allocated, explicit collections)."""
    header, source, calls, payload, lengths, tags = program
    counts = {"explicit": 0}

    def collect(generation):
        flags["explicit"] = True
        gc.collect() if generation is None else gc.collect(generation)
        flags["explicit"] = False
        counts["explicit"] += 1

    def reserve(slots, count):
        # Appending one by one allocates nothing tracked; `[None] * n` would be a list that
        # CPython's free list keeps on release, so count 0 would keep its increment.
        while len(slots) < count:
            slots.append(None)

    def upgrade(wr):
        if not isinstance(wr, WeakNode):
            raise ProgramError("upgrade of an object that is not a weak reference")
        return wr()

    def set_finalizer(obj, tag, slot):
        obj.fin = (tag, slot)
        if isinstance(obj, WeakNode):
            obj.__class__ = FIN_WEAK_NODE
        else:
            obj.__class__ = FIN_CLASSES[FIELD_COUNT[type(obj)]]

    env = {"gc": gc, "WeakNode": WeakNode, "weak_callback": weak_callback,
           "collect": collect, "reserve": reserve, "upgrade": upgrade,
           "set_finalizer": set_finalizer, "nxt": payload_stream(payload, lengths),
           "tag": iter(tags).__next__}
    for fields in sorted({int(m) for m in NODE_NAME.findall(source)}):
        env[f"N{fields}"] = node_factory(fields)
    try:
        exec(compile(source, "<gclab replay program>", "exec"), env)
        functions = [env[f"f{i}"] for i in range(header["functions"])]
    except (SyntaxError, KeyError) as e:
        raise ProgramError(f"bad program source: {e}") from None
    # The iterator exists before the freeze below resets count 0: nothing the driver makes
    # during the replay stays alive, so CPython's counts are the trace's alone.
    replay = iter([functions[i] for i in calls])
    del calls
    slots = []
    STATE["slots"] = slots
    SPARES.extend(Spare() for _ in range(SPARE_COUNT))
    # The program and the driver's own objects must not weigh on the measured gc.
    gc.collect()
    gc.freeze()
    flags["frozen"] = gc.get_freeze_count()
    flags["recording"] = True
    flags["origin"] = time.perf_counter_ns()
    for f in replay:
        f(slots)
    return slots, header["allocated"], counts["explicit"]


def census():
    kinds = set(NODE_CLASSES.values()) | set(FIN_CLASSES.values()) | {WeakNode, FIN_WEAK_NODE}
    return sum(1 for o in gc.get_objects() if type(o) in kinds)


def main(argv):
    parser = argparse.ArgumentParser(
        description="replay a gclab workload (compiled from its trace) on CPython's gc")
    parser.add_argument("program", help="a replay program written by gclab (GCPYPROG 1)")
    parser.add_argument("--threshold", help="gc.set_threshold values, e.g. 700,10,10")
    parser.add_argument("--workload", default="")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        with open(args.program, "rb") as f:
            program = read_program(f.read())
    except (OSError, ProgramError) as e:
        print(f"gclab_cpython: {args.program}: {e}", file=sys.stderr)
        return 2
    if args.threshold:
        try:
            gc.set_threshold(*[int(t) for t in args.threshold.split(",")])
        except (ValueError, TypeError, OverflowError) as e:
            print(f"gclab_cpython: bad --threshold {args.threshold!r}: {e}", file=sys.stderr)
            return 2

    # Flat rows of PAUSE_FIELDS in an array: a dict per collection would be a tracked
    # object the replay did not make, shifting CPython's count 0 by one per collection.
    records = array.array("q")
    flags = {"explicit": False, "recording": False, "start": 0, "collected": 0, "origin": 0,
             "frozen": 0, "compensated": 0}

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
            # One append per value: a tuple here would be the first of its size, allocated
            # fresh but released to CPython's free list, leaving count 0 one higher.
            records.append(flags["start"] - origin)
            records.append(now - origin)
            records.append(not flags["explicit"])
            records.append(freed)
            records.append(info["generation"])
            records.append(info["uncollectable"])
            # A collection leaves count 0 at 0, but observing it can leave it higher: a full
            # collection empties CPython's free lists, so the info dict and argument tuple
            # made for this callback are new allocations, counted, and their release goes
            # back to a free list without uncounting them. The program unobserved would not
            # have them, so as many spare tracked objects are released, each uncounting one.
            # (The first get_count() warms the tuple free list so the second adds nothing.)
            gc.get_count()
            excess = gc.get_count()[0]
            while excess > 0 and SPARES:
                SPARES.pop()
                excess -= 1
                flags["compensated"] += 1

    gc.callbacks.append(on_gc)
    sys.unraisablehook = on_unraisable
    try:
        slots, allocated, explicit = run_program(program, flags)
    except StopIteration:
        print("gclab_cpython: replay failed: the program reads more payload values or "
              "finalizer tags than it carries", file=sys.stderr)
        return 1
    except MemoryError:
        print("gclab_cpython: replay failed: out of memory", file=sys.stderr)
        return 1
    except (ProgramError, AttributeError, TypeError, IndexError, KeyError, NameError,
            ValueError, OverflowError, RecursionError) as e:
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
    STATE["slots"] = None
    slots.clear()
    gc.collect()
    leaked = census()
    gc.callbacks.remove(on_gc)
    pauses = [dict(zip(PAUSE_FIELDS, records[i:i + len(PAUSE_FIELDS)]))
              for i in range(0, len(records), len(PAUSE_FIELDS))]
    for p in pauses:
        p["automatic"] = bool(p["automatic"])
    if UNRAISABLE:
        print(f"gclab_cpython: replay failed: {len(UNRAISABLE)} exception(s) inside finalizers "
              f"or weak-reference callbacks, the first: {UNRAISABLE[0]}", file=sys.stderr)
        return 1

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
        "frozen": flags["frozen"],
        "observer_compensated": flags["compensated"],
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
