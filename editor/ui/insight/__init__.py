"""The insight panel: the dock, its charts, its background analysis and the text tint."""
