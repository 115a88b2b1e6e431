"""Interview scheduling: the problem and schedule formats, their validity rules, and the solver.

The modules here are pure Python (no Django): `formats` (the two file formats), `rules` (the spec's rules for
one assignment), `validate` (a whole schedule against the rules), `greedy` (the coordinator's baseline and the
occupancy board), `explain` (why a person stays unscheduled), `bound` (a relaxation lower bound), `solver`
(CP-SAT), `replan` (re-planning from a previous schedule), `generate` (fictional instances) and `command`
(the `haven schedule` entry points). The package itself imports nothing, so that loading it stays cheap.
"""
