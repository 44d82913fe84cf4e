"""The label catalogues of reports: one flat JSON file per language, read by
``shared.reports.localisation``. Data only.
"""
