"""After-action reports: what happened to the people a task force met, in figures and charts.

`figures` computes every figure from plain facts (pure); `suppression` and `audiences` turn the exact
figures into what one audience may read; `selectors` reads the facts of one operation in a fixed number of
queries; `policies` decides who may generate which report; `services.report_generate` does all of it and
records the audit event; `formats`, `charts` and `pdf` render a report as JSON, Markdown, CSV, SVG and PDF.
"""
