"""The editor's widgets (PySide6): they draw and forward events to editor.core."""
