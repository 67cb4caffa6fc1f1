from .actors import Actor, Jurisdiction
from .base import CitedRecord, FuzzyDated, RecordQuerySet
from .legislation import Instrument, InstrumentVersion, LegislativeAttempt, LifecycleEvent, Provision
from .oversight import DPIASubmission, Ruling, SurveillanceSystem
from .responses import Development, Response
from .search import SearchDocument
from .sources import Citation, Grading, Source

__all__ = [
    "Actor",
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
    "RecordQuerySet",
    "Response",
    "Ruling",
    "SearchDocument",
    "Source",
    "SurveillanceSystem",
]
