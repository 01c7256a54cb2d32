"""City content: the over-the-air city bundle, news, events and places (issue #11). File-backed:
the data lives in the city folders (``<data dir>/cities/<slug>``, else the bundled ``assets``)."""
