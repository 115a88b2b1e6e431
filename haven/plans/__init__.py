"""The operation plan, pure: its file format (parse, validate, export) and the need-to-know briefings."""
