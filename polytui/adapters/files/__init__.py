"""Customer data kept as plain files on this computer: the recordings' folder
(``RecordingFolder``, the ``RecordingCache`` role of ``polytui.core.ports``)."""

from .recordings import RecordingFolder

__all__ = ["RecordingFolder"]
