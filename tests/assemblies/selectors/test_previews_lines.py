"""The import preview reads CSV lines as the engine does: only CR, LF and CRLF end a line
(issue 13, defect 16)."""

from assemblies.selectors.previews import registrants_import_preview


def test_registrants_preview_checks_fields_of_a_cr_only_file(small_assembly):
    """The preview's own checks (contact fields too long for the database) saw no record
    in a file with CR-only line ends, so the import failed in the database instead."""
    text = f"id,name,gender,age\rC1,{'x' * 201},woman,young\rC2,A\u2028B,man,old\r"
    preview = registrants_import_preview(
        assembly=small_assembly, text=text, filename="p.csv", id_column="id"
    )
    assert [(p.line, p.column) for p in preview.problems] == [(2, "name")]
    assert preview.rows_read == 2
