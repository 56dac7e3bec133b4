"""The project's own copy of the USMCA facts (``usmca``) and the fictional demo data (``demo``).

Nothing here touches the database: ``load_usmca`` and ``seed_demo`` write these facts through the models.
"""
