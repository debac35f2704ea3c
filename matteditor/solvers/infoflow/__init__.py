"""Information-flow matting (Aksoy, Aydin and Pollefeys, CVPR 2017), written from the paper.

:class:`InfoFlowSession` solves; :class:`InfoFlowSettings` switches and weighs
each flow.  No Qt and no engine here: ``matteditor.engines.information_flow``
puts the session behind the engine interface.
"""

from .session import InfoFlowReport, InfoFlowSession
from .settings import InfoFlowSettings
from .trimming import unreached_share

__all__ = ["InfoFlowReport", "InfoFlowSession", "InfoFlowSettings", "unreached_share"]
