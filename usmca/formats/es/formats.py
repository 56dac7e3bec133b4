"""Spanish date formats: Django's, with the time zone after every time (deadlines are in different cities)."""

DATETIME_FORMAT = r"j \d\e F \d\e Y \a \l\a\s H:i T"
SHORT_DATETIME_FORMAT = r"d/m/Y H:i T"
