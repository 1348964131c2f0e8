#!/usr/bin/env bash
# Regenerates the README's screenshots with the headless probe (real window, real key events).
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
CAMINHO_CONFIG_DIR=$(mktemp -d)
export CAMINHO_CONFIG_DIR
trap 'rm -rf "$CAMINHO_CONFIG_DIR"' EXIT
# The poem up to its second "Nunca me esquecerei ", where only long memory predicts "que".
text=$(python3 - <<'PY'
poem = open("resources/corpus/no-meio-do-caminho.txt", encoding="utf-8").read()
cut = poem.index("Nunca me esquecerei ", poem.index("Nunca me esquecerei ") + 1)
print((poem[:cut] + "Nunca me esquecerei ").replace("\\", "\\\\").replace("\n", "\\n"), end="")
PY
)
for view in state memory; do
  .venv/bin/python -m editor --type "$text" --size 1280x640 --panel-view "$view" \
    --screenshot "docs/images/panel-$view.png" --json
done
# The class walk-through in docs/INSIGHT.md: the same text, the LSTM's Unit view, the LSTM beside
# the plain RNN, and the Gates view of an RNN (it has none) and of a GRU.
models=resources/models
.venv/bin/python -m editor --type "$text" --size 1280x640 --panel-view unit \
  --screenshot docs/images/class-unit.png --json
.venv/bin/python -m editor --type "$text" --size 1500x760 --panel-view compare \
  --compare "$models/no-meio-do-caminho-rnn.onnx" --screenshot docs/images/class-compare-rnn.png --json
for cell in rnn gru; do
  .venv/bin/python -m editor --model "$models/no-meio-do-caminho-$cell.onnx" --type "$text" \
    --size 1280x640 --panel-view gates --screenshot "docs/images/class-$cell-gates.png" --json
done
# Light and dark themes (View → Theme), and the Portuguese interface (needs `make translations`).
for theme in light dark; do
  LANG=C.UTF-8 .venv/bin/python -m editor --type 'No meio do caminho tinha uma ' --size 1280x640 \
    --theme "$theme" --panel-view state --screenshot "docs/images/theme-$theme.png" --json
done
LANG=pt_BR.UTF-8 .venv/bin/python -m editor --type 'No meio do caminho tinha uma ' --size 1280x640 \
  --panel-view next --screenshot docs/images/interface-pt_BR.png --json
