"""The benchmark of whole pages (``manage.py benchmark``, ``make bench``): a synthetic dataset built with COPY in a
throwaway database (dataset.py), the pages to request as signed-in users (pages.py, one entry per page) and the
measurements (measure.py)."""
