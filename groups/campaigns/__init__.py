"""Campaigns: flash-group phases on a schedule, benefit plays, and lead-gen fission (its own app,
label `campaigns`). Built on groups and links; nothing there imports it."""
