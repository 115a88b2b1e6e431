"""The plan's sections as web forms: each form field reads and writes one value of the plan file.

A section form turns what a person typed into the section's part of the plan document, unchanged in
meaning, and back; the plan parser and the services judge it (`parse_plan`, `plan_save`), and their
problems come back to the field their path names.
"""

from haven.web.plan_forms.binding import SectionForm, problem_parts
from haven.web.plan_forms.sections import SECTIONS, SECTIONS_BY_KEY, SectionSpec

__all__ = ["SECTIONS", "SECTIONS_BY_KEY", "SectionForm", "SectionSpec", "problem_parts"]
