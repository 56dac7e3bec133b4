"""English date formats: Django's, with the time zone after every time (deadlines are in different cities)."""

DATETIME_FORMAT = "N j, Y, P T"
SHORT_DATETIME_FORMAT = "m/d/Y P T"
