"""A run's report as files for clients: a PDF (:mod:`assemblies.reports.pdf`, fpdf2) and an
Excel workbook (:mod:`assemblies.reports.xlsx`, openpyxl); what they share is in
:mod:`assemblies.reports.common`.

Reads only: both build bytes from the run's stored inputs and result (through
:mod:`assemblies.selectors.runs` and :mod:`assemblies.selectors.run_figures`), so the figures
never change after the run. Neither holds contact details: people appear by their random
public id, with the answers the engine was given. Recording the download is the caller's
business (:func:`assemblies.services.assemblies.assembly_export_record`). Import from the
modules themselves: this package re-exports nothing.
"""
