"""Vehicle reports: the typed model (``model``), its normalisation from raw Tesla responses
(``normalise``) and the localised PDF (``pdf``, which imports WeasyPrint only when rendering).

Import the submodules directly; this package imports nothing so that functions which only need
the model do not pay for Jinja2, Babel or WeasyPrint.
"""
