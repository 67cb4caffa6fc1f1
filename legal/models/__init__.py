from .actors import Actor, Jurisdiction
from .base import CitedRecord, FuzzyDated, Publishable, RecordQuerySet, Visibility
from .moderation import ChangeRequest
from .legislation import Instrument, InstrumentVersion, LegislativeAttempt, LifecycleEvent, Provision
from .oversight import DPIASubmission, Ruling, SurveillanceSystem
from .responses import Development, Response
from .search import SearchDocument
from .sources import Citation, Grading, Source

__all__ = [
    "Actor",
    "ChangeRequest",
    "CitedRecord",
    "Citation",
    "Development",
    "DPIASubmission",
    "FuzzyDated",
    "Grading",
    "Instrument",
    "InstrumentVersion",
    "Jurisdiction",
    "LegislativeAttempt",
    "LifecycleEvent",
    "Provision",
    "Publishable",
    "RecordQuerySet",
    "Response",
    "Ruling",
    "SearchDocument",
    "Source",
    "SurveillanceSystem",
    "Visibility",
]
