"""Sound out through miniaudio (the ``miniaudio`` package: the miniaudio C library in a wheel,
no system packages). The only place polytui imports it; ``polytui.playback`` uses it."""
