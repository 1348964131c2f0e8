import os

# No display here or in CI: Qt renders offscreen (fonts still work).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
