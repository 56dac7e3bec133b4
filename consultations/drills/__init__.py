"""Fault drills: scenarios run against a live server and the real database, counting what was kept and lost."""
