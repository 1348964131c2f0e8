"""An optional graph input that makes the output layer score the last position only.

The exported graph computes logits for every position it is given ([B, T, V]). The editor
needs the last row: for one typed token that is all there is, but when it re-reads text (the
context window moves on every 500 characters, an edit earlier in the text, a document opened,
the panel's document states) the output layer over every position is half the work on a
large vocabulary: re-reading 350 tokens with a 12k-word model took 98 ms of CPU whole and 49 ms
scoring the last position only (docs/BENCHMARKS.md), and onnxruntime keeps its memory arena at
the peak a [T, V] output needs.

`add_last_only_input` adds the input `logits_last_only` (bool scalar) with a default of false,
held as an initializer of the same name, so:
- every reader that feeds only tokens, h0 and c0 gets the graph it always got (onnxruntime
  lists such an input among `get_overridable_initializers()`, not `get_inputs()`, so older
  editors load the file unchanged);
- fed true, the hidden states reaching the output layer are sliced to the last position, and
  `logits` is [B, 1, V] (its declared shape still says T: the declared shapes are those of the
  default). Every other output (the states, the gates) is unchanged.

The slice goes where the graph's `h_seq` output feeds the output layer; a graph without that
(another exporter's, another cell's) is returned unchanged, and the editor then runs it whole.
It works on any cell the exporter writes as long as the output layer reads `h_seq`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from editor.core.modelfile import LAST_ONLY_INPUT as LAST_ONLY

_STATES = "h_seq"
_SCORED = "h_seq_scored"


def add_last_only_input(model: Any) -> Any:
    """Add the `logits_last_only` input to an exported Caminho ModelProto (in place)."""
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    if LAST_ONLY in {i.name for i in g.input} or "logits" not in {o.name for o in g.output}:
        return model
    producer = {out: node for node in g.node for out in node.output}
    cone: dict[int, Any] = {}  # the nodes `logits` depends on
    stack = ["logits"]
    while stack:
        node = producer.get(stack.pop())
        if node is None or id(node) in cone:
            continue
        cone[id(node)] = node
        stack.extend(node.input)
    consumers = [n for n in g.node if id(n) in cone and _STATES in n.input]
    if not consumers or _STATES not in producer:
        return model
    g.input.append(helper.make_tensor_value_info(LAST_ONLY, TensorProto.BOOL, []))
    for name, value in ((LAST_ONLY, np.array(False)),
                        ("fp_last", np.array([-1], np.int64)),
                        ("fp_first", np.array([0], np.int64)),
                        ("fp_end", np.array([np.iinfo(np.int64).max], np.int64)),
                        ("fp_time_axis", np.array([1], np.int64))):
        g.initializer.append(numpy_helper.from_array(value, name))
    new = [helper.make_node("Where", [LAST_ONLY, "fp_last", "fp_first"], ["fp_start"],
                            name="fp_where"),
           helper.make_node("Slice", [_STATES, "fp_start", "fp_end", "fp_time_axis"], [_SCORED],
                            name="fp_slice")]
    for node in consumers:
        node.input[:] = [_SCORED if x == _STATES else x for x in node.input]
    # Shapes recorded along the way still say T positions; let onnxruntime infer them again.
    downstream = {o for n in cone.values() for o in n.output}
    kept = [vi for vi in g.value_info if vi.name not in downstream]
    del g.value_info[:]
    g.value_info.extend(kept)
    first = min(list(g.node).index(n) for n in consumers)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(nodes[:first] + new + nodes[first:])
    return model
