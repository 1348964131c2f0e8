"""An optional graph input that runs the LSTM without the internals only the panel draws.

The exported graph steps a handwritten cell inside a `Scan` so that every per-step internal
(c at each position, the four gates) is an output: the insight panel draws them. With the
panel hidden nobody reads them, yet every keystroke that feeds a token paid for the loop and
for some forty small operators: on the poem model the call costs more than the arithmetic
(docs/BENCHMARKS.md, "The fast step").

`add_lean_input` adds the input `internals` (bool scalar) with a default of true, held as an
initializer of the same name, so a reader that feeds only tokens and states gets the graph it
always got (older editors load the file unchanged). Fed false, an `If` takes the lean branch:

- ONNX's fused `LSTM` operator, one per layer, on the same embedding, and the graph's own
  output layer (its nodes are copied, so a projection or the last-position switch works the
  same) give `logits`, `h`, `c` and `h_seq` equal to the whole graph's (the parity check holds
  them to 1e-5);
- `c_seq` and `gates` come back empty (a zero-size last axis): the fused operator keeps no
  per-step cell state and no gates.

The operator wants its weights in ONNX's gate order (input, output, forget, cell) where PyTorch
keeps input, forget, cell, output, so the recurrent weights are held twice: a second copy of
W_ih, W_hh and the biases (on the poem model 0.3 MB; a model's output layer is usually
larger than its recurrent one). Only LSTM graphs get the input; GRU and plain RNN files are
returned unchanged and always run whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from editor.core.modelfile import LEAN_INPUT

_TOKENS, _H0, _C0 = "tokens", "h0", "c0"
_OUTPUTS = ("logits", "h", "c", "h_seq", "c_seq", "gates")


def onnx_gate_order(w: np.ndarray) -> np.ndarray:
    """Rows in PyTorch's gate order (i, f, g, o) -> ONNX's (i, o, f, c), along axis 0."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def add_lean_input(model: Any, layers: Sequence[Sequence[np.ndarray]]) -> Any:
    """Add the `internals` input to an exported Caminho LSTM ModelProto (in place).

    `layers`: per layer, PyTorch's (W_ih [4H, in], W_hh [4H, H], b_ih [4H], b_hh [4H]), the
    weights the graph's cell computes with."""
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    if LEAN_INPUT in {i.name for i in g.input} or [o.name for o in g.output] != list(_OUTPUTS):
        return model
    gather = [n for n in g.node if n.op_type == "Gather" and list(n.input)[1:] == [_TOKENS]]
    if len(gather) != 1 or not layers:
        return model
    embedding = gather[0].output[0]
    hidden = int(np.asarray(layers[0][1]).shape[1])
    n_layers = len(layers)

    # Which nodes depend on the run's own inputs: those go into the branches.
    producer = {out: node for node in g.node for out in node.output}
    dynamic: set[str] = {_TOKENS, _H0, _C0}
    for node in g.node:  # exported graphs are topologically sorted
        if any(x in dynamic for x in node.input):
            dynamic.update(node.output)
    shared = [n for n in g.node if n is gather[0] or not any(x in dynamic for x in n.input)]
    whole = [n for n in g.node if not any(n is s for s in shared)]

    # The output layer: the nodes `logits` depends on that read `h_seq`, directly or not.
    cone: list[Any] = []
    stack, seen = ["logits"], set()
    while stack:
        node = producer.get(stack.pop())
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        cone.append(node)
        stack.extend(node.input)
    reads: set[str] = {"h_seq"}
    head = []
    for node in g.node:
        if id(node) in seen and any(x in reads for x in node.input):
            reads.update(node.output)
            head.append(node)
    if not head:
        return model

    def out_info(name: str) -> Any:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)

    # The whole graph, its outputs renamed inside the branch.
    full_name = {o: f"{o}__whole" for o in _OUTPUTS}
    full_nodes = []
    for node in whole:
        copy = helper.make_node(node.op_type, [], [], name=node.name)
        copy.CopyFrom(node)
        copy.output[:] = [full_name.get(o, o) for o in node.output]
        copy.input[:] = [full_name.get(x, x) for x in node.input]
        full_nodes.append(copy)
    full = helper.make_graph(full_nodes, "internals", [], [out_info(full_name[o]) for o in _OUTPUTS])

    # The lean branch.
    ln: list[Any] = [helper.make_node("Transpose", [embedding], ["ls_x0"], perm=[1, 0, 2],
                                      name="ls_time_major")]  # [T, B, E]
    for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(layers):
        w = onnx_gate_order(np.asarray(w_ih, np.float32))[None]  # [1, 4H, in]
        r = onnx_gate_order(np.asarray(w_hh, np.float32))[None]  # [1, 4H, H]
        b = np.concatenate([onnx_gate_order(np.asarray(b_ih, np.float32)[:, None])[:, 0],
                            onnx_gate_order(np.asarray(b_hh, np.float32)[:, None])[:, 0]])[None]
        for name, value in ((f"ls_W{k}", w), (f"ls_R{k}", r), (f"ls_B{k}", b)):
            g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        if n_layers == 1:
            h0k, c0k = _H0, _C0
        else:
            h0k, c0k = f"ls_h0_{k}", f"ls_c0_{k}"
            for src, dst in ((_H0, h0k), (_C0, c0k)):
                ln.append(helper.make_node("Slice", [src, f"ls_at{k}", f"ls_at{k + 1}", "ls_ax0"],
                                           [dst], name=f"ls_slice_{dst}"))
        ln.append(helper.make_node("LSTM", [f"ls_x{k}", f"ls_W{k}", f"ls_R{k}", f"ls_B{k}", "",
                                            h0k, c0k], [f"ls_Y{k}", f"ls_h{k}", f"ls_c{k}"],
                                   hidden_size=hidden, name=f"ls_lstm{k}"))
        if k + 1 < n_layers:
            ln.append(helper.make_node("Squeeze", [f"ls_Y{k}", "ls_ax1"], [f"ls_x{k + 1}"],
                                       name=f"ls_squeeze{k}"))
    if n_layers == 1:
        h_out, c_out, steps = "ls_h0", "ls_c0", "ls_Y0"  # [1, B, H], [T, 1, B, H]
    else:
        h_out, c_out, steps = "ls_h", "ls_c", "ls_Y"
        ln += [helper.make_node("Concat", [f"ls_h{k}" for k in range(n_layers)], [h_out], axis=0),
               helper.make_node("Concat", [f"ls_c{k}" for k in range(n_layers)], [c_out], axis=0),
               helper.make_node("Concat", [f"ls_Y{k}" for k in range(n_layers)], [steps], axis=1)]
    ln.append(helper.make_node("Transpose", [steps], ["ls_h_seq"], perm=[2, 0, 1, 3],
                               name="ls_h_seq"))  # [T, L, B, H] -> [B, T, L, H]
    lean_name = {"h_seq": "ls_h_seq"}
    for node in head:
        copy = helper.make_node(node.op_type, [], [])
        copy.CopyFrom(node)
        copy.name = f"ls_{node.name or node.op_type}"
        copy.input[:] = [lean_name.get(x, x) for x in node.input]
        for o in node.output:
            lean_name[o] = f"ls_{o}"
        copy.output[:] = [lean_name[o] for o in node.output]
        ln.append(copy)
    # The branch's own initializers (an outer one may not be a branch output): no operator runs.
    empty = [numpy_helper.from_array(np.zeros(dims, np.float32), name) for name, dims in
             (("ls_c_seq", [1, 1, n_layers, 0]), ("ls_gates", [1, 1, n_layers, 4, 0]))]
    lean_outputs = [lean_name["logits"], h_out, c_out, "ls_h_seq", "ls_c_seq", "ls_gates"]
    lean = helper.make_graph(ln, "lean", [], [out_info(o) for o in lean_outputs],
                             initializer=empty)
    for name, value in ((LEAN_INPUT, np.array(True)), ("ls_ax0", np.array([0], np.int64)),
                        ("ls_ax1", np.array([1], np.int64)),
                        *((f"ls_at{k}", np.array([k], np.int64)) for k in range(n_layers + 1))):
        g.initializer.append(numpy_helper.from_array(value, name))
    g.input.append(helper.make_tensor_value_info(LEAN_INPUT, TensorProto.BOOL, []))
    branch = helper.make_node("If", [LEAN_INPUT], list(_OUTPUTS), then_branch=full,
                              else_branch=lean, name="internals_or_lean")
    # Shapes recorded inside what is now a branch would be out of scope: onnxruntime infers them.
    del g.value_info[:]
    del g.node[:]
    g.node.extend([*shared, branch])
    return model


def remove_lean_input(model: Any) -> Any:
    """Undo `add_lean_input` (in place): the whole graph back at the top level, as exported.

    onnxruntime's quantizer renames what it quantizes at the top level but not the names a
    branch reads, so an int8 file is made from the graph without the branch and steps whole:
    on the large models int8 is for, the output layer is most of a step anyway."""
    g = model.graph
    if LEAN_INPUT not in {i.name for i in g.input}:
        return model
    branch = next(n for n in g.node if n.op_type == "If" and list(n.input) == [LEAN_INPUT])
    whole = next(a.g for a in branch.attribute if a.name == "then_branch")
    back = {f"{o}__whole": o for o in _OUTPUTS}
    nodes = []
    for node in whole.node:
        node.input[:] = [back.get(x, x) for x in node.input]
        node.output[:] = [back.get(o, o) for o in node.output]
        nodes.append(node)
    kept = [n for n in g.node if n is not branch]
    del g.node[:]
    g.node.extend([*kept, *nodes])
    keep_inputs = [i for i in g.input if i.name != LEAN_INPUT]
    del g.input[:]
    g.input.extend(keep_inputs)
    inits = [t for t in g.initializer if t.name != LEAN_INPUT and not t.name.startswith("ls_")]
    del g.initializer[:]
    g.initializer.extend(inits)
    return model
