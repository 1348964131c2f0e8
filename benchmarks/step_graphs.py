"""What one model step could cost: the exported graph against leaner graphs of the same weights.

    .venv/bin/python benchmarks/step_graphs.py [--steps 3000]

For a poem-sized model (V=24, E=64, H=128) and a large one (V=12k, E=256, H=512), both random,
exported as `caminho-train` exports, one token with the state carried is run through:

- the exported graph (the cell inside a `Scan`, every per-step internal an output);
- the same graph with an `If` on T = 1 whose branch is the Scan's body inlined (no loop);
- that branch without the gates and the copies (what a step without internals would run);
- a hand-built graph of the cell alone (15 operators, no Scan, no If);
- ONNX's own `LSTM` operator (its weights reordered to ONNX's gate order, so they would be a
  second copy in the file), which outputs no gates;
- a graph of one `Identity`: the cost of calling onnxruntime at all;
- the output layer alone (the large model's [512 × 12k] matrix), in onnxruntime and in numpy.

Every variant is checked against the exported graph first (largest difference printed, all
within 1e-5); times are medians of the variants run in turn, microseconds, as CPU time of the
calling thread (onnxruntime runs on it with the editor's one-thread options; on a loaded
machine wall time mostly measures the wait for a core) and as wall time.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one thread, as the editor's onnxruntime

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def graph_of(nodes, inputs, outputs, inits):
    from onnx import helper

    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 18)])
    m.ir_version = 10
    return m.SerializeToString()


def inline_scan(model, lean: bool):
    """The exported model with If(T == 1): then the Scan's body inlined, else the Scan."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    scan = next(n for n in g.node if n.op_type == "Scan")
    attrs = {a.name: a for a in scan.attribute}
    body, n_in = attrs["body"].g, attrs["num_scan_inputs"].i
    n_state = len(scan.input) - n_in
    pre = [helper.make_node("Shape", [g.input[0].name], ["fs_T"], start=1, end=2),
           helper.make_node("Constant", [], ["fs_one"],
                            value=helper.make_tensor("v", TensorProto.INT64, [1], [1])),
           helper.make_node("Equal", ["fs_T", "fs_one"], ["fs_eq"]),
           helper.make_node("Squeeze", ["fs_eq"], ["fs_cond"])]
    ren = {vi.name: vi.name + "__fs" for vi in body.input}
    nodes = [helper.make_node("Constant", [], ["fs_ax"],
                              value=helper.make_tensor("a", TensorProto.INT64, [1], [0]))]
    for k in range(n_state):
        nodes.append(helper.make_node("Identity", [scan.input[k]], [ren[body.input[k].name]]))
    for k in range(n_in):
        nodes.append(helper.make_node("Squeeze", [scan.input[n_state + k], "fs_ax"],
                                      [ren[body.input[n_state + k].name]]))
    for n in body.node:
        c = onnx.NodeProto()
        c.CopyFrom(n)
        c.input[:] = [ren.get(x, x) for x in n.input]
        for o in n.output:
            ren[o] = o + "__fs"
        c.output[:] = [ren[o] for o in n.output]
        c.name = (n.name or n.op_type) + "__fs"
        nodes.append(c)
    outs = []
    for k, vo in enumerate(body.output):
        name = ren[vo.name] + ("_o" if k < n_state else "_s")
        op = "Identity" if k < n_state else "Unsqueeze"
        nodes.append(helper.make_node(op, [ren[vo.name]] + ([] if k < n_state else ["fs_ax"]),
                                      [name]))
        outs.append(helper.make_tensor_value_info(name, vo.type.tensor_type.elem_type, None))
    if lean:  # no gates (an empty tensor in their place), no copies: then prune what is dead
        nodes.append(helper.make_node("Constant", [], ["fs_nogates"], value=helper.make_tensor(
            "e", TensorProto.FLOAT, [1, 1, 1, 4, 0], [])))
        outs[-1] = helper.make_tensor_value_info("fs_nogates", TensorProto.FLOAT, None)
        alias = {n.output[0]: n.input[0] for n in nodes
                 if n.op_type == "Identity" and n.input[0].endswith("__fs")}
        for o in outs:
            while o.name in alias:
                o.name = alias[o.name]
        needed, live = {o.name for o in outs}, []
        for n in reversed(nodes):
            if any(x in needed for x in n.output):
                live.append(n)
                needed.update(n.input)
        nodes = live[::-1]
    then_g = helper.make_graph(nodes, "step", [], outs, initializer=list(body.initializer))
    s2 = onnx.NodeProto()
    s2.CopyFrom(scan)
    s2.output[:] = [o + "__scan" for o in scan.output]
    else_g = helper.make_graph([s2], "steps", [], [
        helper.make_tensor_value_info(o + "__scan", vo.type.tensor_type.elem_type, None)
        for o, vo in zip(scan.output, body.output, strict=True)])
    iff = helper.make_node("If", ["fs_cond"], list(scan.output), then_branch=then_g,
                           else_branch=else_g)
    i = list(g.node).index(scan)
    kept = list(g.node)
    del g.node[:]
    g.node.extend(kept[:i] + pre + [iff] + kept[i + 1:])
    return m.SerializeToString()


def cell_graphs(model) -> tuple[bytes, bytes, dict[str, np.ndarray]]:
    """The hand-built cell graph and the LSTM-operator graph of the exported weights."""
    from onnx import TensorProto as TP
    from onnx import helper as oh
    from onnx import numpy_helper as nh

    g = model.graph
    init = {i.name: nh.to_array(i) for i in g.initializer}

    def producer(op: str, pred) -> object:
        return next(n for n in g.node if n.op_type == op and pred(n))

    emb = init[producer("Gather", lambda n: n.input[1] == "tokens").input[0]]
    mm0 = producer("MatMul", lambda n: n.input[0] == "embedding")
    w_ih = init[mm0.input[1]]
    bias = init[producer("Add", lambda n: n.input[0] == mm0.output[0]).input[1]]
    dec = producer("MatMul", lambda n: n.input[1] in init and init[n.input[1]].shape[1]
                   == emb.shape[0])
    w_dec = init[dec.input[1]]
    b_dec = init[producer("Add", lambda n: n.output[0] == "logits").input[1]]
    scan = next(n for n in g.node if n.op_type == "Scan")
    body = next(a.g for a in scan.attribute if a.name == "body")
    w_hh = init[next(n for n in body.node if n.op_type == "MatMul").input[1]]
    h = w_hh.shape[0]
    ins = [oh.make_tensor_value_info("tokens", TP.INT64, [1, 1]),
           oh.make_tensor_value_info("h0", TP.FLOAT, [1, 1, h]),
           oh.make_tensor_value_info("c0", TP.FLOAT, [1, 1, h])]
    inits = [nh.from_array(a, n) for a, n in ((emb, "emb"), (w_ih, "wih"), (bias, "b"),
                                               (w_hh, "whh"), (w_dec, "wd"), (b_dec, "bd"),
                                               (np.array([h] * 4, np.int64), "sp"))]
    nodes = [oh.make_node("Gather", ["emb", "tokens"], ["x"]),
             oh.make_node("MatMul", ["x", "wih"], ["xw"]), oh.make_node("Add", ["xw", "b"], ["xb"]),
             oh.make_node("MatMul", ["h0", "whh"], ["hw"]), oh.make_node("Add", ["xb", "hw"], ["z"]),
             oh.make_node("Split", ["z", "sp"], ["zi", "zf", "zg", "zo"], axis=-1),
             oh.make_node("Sigmoid", ["zi"], ["i"]), oh.make_node("Sigmoid", ["zf"], ["f"]),
             oh.make_node("Tanh", ["zg"], ["g"]), oh.make_node("Sigmoid", ["zo"], ["o"]),
             oh.make_node("Mul", ["f", "c0"], ["fc"]), oh.make_node("Mul", ["i", "g"], ["ig"]),
             oh.make_node("Add", ["fc", "ig"], ["c"]), oh.make_node("Tanh", ["c"], ["tc"]),
             oh.make_node("Mul", ["o", "tc"], ["h"]),
             oh.make_node("MatMul", ["h", "wd"], ["ld"]), oh.make_node("Add", ["ld", "bd"], ["logits"])]
    outs = [oh.make_tensor_value_info(n, TP.FLOAT, None) for n in ("logits", "h", "c", "i", "f", "g", "o")]
    cell = graph_of(nodes, ins, outs, inits)

    def onnx_order(w: np.ndarray) -> np.ndarray:  # PyTorch's i, f, g, o -> ONNX's i, o, f, c
        i, f, gg, o = np.split(w, 4, axis=0)
        return np.concatenate([i, o, f, gg], axis=0)

    lstm_inits = [nh.from_array(a.astype(np.float32), n) for a, n in (
        (emb, "emb"), (onnx_order(w_ih.T)[None], "W"), (onnx_order(w_hh.T)[None], "R"),
        (np.concatenate([onnx_order(bias[:, None])[:, 0], np.zeros(4 * h, np.float32)])[None], "B"),
        (w_dec, "wd"), (b_dec, "bd"))]
    lstm_nodes = [oh.make_node("Gather", ["emb", "tokens"], ["x"]),
                  oh.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
                  oh.make_node("LSTM", ["xt", "W", "R", "B", "", "h0", "c0"], ["Y", "h", "c"],
                               hidden_size=h),
                  oh.make_node("MatMul", ["h", "wd"], ["ld"]),
                  oh.make_node("Add", ["ld", "bd"], ["logits"])]
    lstm = graph_of(lstm_nodes, ins, [oh.make_tensor_value_info(n, TP.FLOAT, None)
                                      for n in ("logits", "h", "c")], lstm_inits)
    return cell, lstm, {"w_dec": w_dec}


def measure(name: str, v: int, e: int, h: int, folder: Path, steps: int) -> None:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto
    from onnx import helper as oh
    from onnx import numpy_helper as nh

    from editor.core.lm import session_options
    from editor.core.modelfile import STEP_GRAPH_KEY
    from training.export import export_random_model

    def session(blob: bytes | str) -> object:
        return ort.InferenceSession(blob, session_options(), providers=["CPUExecutionProvider"])

    outs6 = ["logits", "h", "c", "h_seq", "c_seq", "gates"]
    from training.lean_step import remove_lean_input

    path = export_random_model(folder / f"{v}.onnx", v, embedding=e, hidden=h, step=True)
    shipped = str(path)  # with the `internals` switch (training/lean_step.py)
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    step_blob = (base64.b64decode(meta[STEP_GRAPH_KEY]) if STEP_GRAPH_KEY in meta
                 else None)  # small models only (training/step_graph.py)
    model = remove_lean_input(onnx.load(str(path)))  # the graph as exported before it
    path = folder / f"{v}-scan.onnx"
    path.write_bytes(model.SerializeToString())
    cell, lstm, extra = cell_graphs(model)
    ident = graph_of([oh.make_node("Identity", ["x"], ["y"])],
                     [oh.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, h])],
                     [oh.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, h])], [])
    w_dec = extra["w_dec"]
    dec = graph_of([oh.make_node("MatMul", ["x", "wd"], ["y"])],
                   [oh.make_tensor_value_info("x", TensorProto.FLOAT, [1, h])],
                   [oh.make_tensor_value_info("y", TensorProto.FLOAT, [1, v])],
                   [nh.from_array(w_dec, "wd")])
    s = {"exported graph (Scan)": (session(str(path)), outs6),
         "If(T=1) + inlined body": (session(inline_scan(model, lean=False)), outs6),
         "If(T=1) + body without gates": (session(inline_scan(model, lean=True)), outs6),
         "hand-built cell, no Scan/If": (session(cell), ["logits", "h", "c", "i", "f", "g", "o"]),
         "ONNX LSTM operator (no gates)": (session(lstm), ["logits", "h", "c"]),
         "shipped: If, internals on (→ Scan)": (session(shipped), outs6),
         "shipped: If, internals off (→ LSTM op)": (session(shipped), outs6)}
    if step_blob is not None:
        from training.export import random_model
        from training.step_graph import step_graph

        step = session(step_blob)
        s["shipped: one-token step graph (gates too)"] = (
            step, [o.name for o in step.get_outputs()])
        # The same weights as the step graph of stop 25 (six outputs, no folded table).
        first = step_graph(random_model(v, embedding=e, hidden=h), 18, lean=False)
        s["step graph of the first kind (stop 25)"] = (session(first.SerializeToString()), outs6)
    rng = np.random.default_rng(0)
    hs = (rng.standard_normal((1, 1, h)) * 0.5).astype(np.float32)
    cs = (rng.standard_normal((1, 1, h)) * 0.5).astype(np.float32)
    feed = {"tokens": np.array([[5]]), "h0": hs, "c0": cs}
    ref = s["exported graph (Scan)"][0].run(outs6[:3], feed)
    worst = {}
    for label, (sess, outs) in s.items():
        got = sess.run(outs[:3], feed)
        worst[label] = max(float(np.abs(a.ravel() - b.ravel()).max())
                           for a, b in zip(ref, got, strict=True))
    assert max(worst.values()) <= 1e-5, worst
    x1 = rng.standard_normal((1, h)).astype(np.float32)
    wt = np.ascontiguousarray(w_dec.T)
    lean = {**feed, "internals": np.array(False)}
    worst["shipped: If, internals off (→ LSTM op)"] = max(
        float(np.abs(a.ravel() - b.ravel()).max()) for a, b in zip(
            ref, s["shipped: If, internals off (→ LSTM op)"][0].run(outs6[:3], lean), strict=True))
    runs = {label: (lambda se=sess, o=outs, f=(lean if "off" in label else feed): se.run(o, f))
            for label, (sess, outs) in s.items()}
    si, sd = session(ident), session(dec)
    runs["one Identity (the call alone)"] = lambda: si.run(["y"], {"x": hs})
    runs["output layer alone, onnxruntime"] = lambda: sd.run(["y"], {"x": x1})
    runs["output layer alone, numpy"] = lambda: wt @ x1[0]
    times: dict[str, list[float]] = {k: [] for k in runs}
    walls: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(steps):
        for label, fn in runs.items():
            t0, c0 = time.perf_counter(), time.thread_time()
            fn()
            times[label].append((time.thread_time() - c0) * 1e6)
            walls[label].append((time.perf_counter() - t0) * 1e6)
    base = statistics.median(times["exported graph (Scan)"])
    print(f"\n{name}, {steps} steps each\n")
    print("| graph | CPU µs (median) | vs exported | wall µs (median) | max diff |")
    print("|---|---|---|---|---|")
    for label, t in times.items():
        med = statistics.median(t)
        diff = f"{worst[label]:.1e}" if label in worst else "—"
        print(f"| {label} | {med:.0f} | {med / base:.2f}× | {statistics.median(walls[label]):.0f} "
              f"| {diff} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="poem-sized steps (large: /15)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure("poem-sized (V=24, E=64, H=128)", 24, 64, 128, Path(tmp), args.steps)
        measure("large (V=12k, E=256, H=512)", 12000, 256, 512, Path(tmp),
                max(100, args.steps // 15))
    return 0


if __name__ == "__main__":
    sys.exit(main())
