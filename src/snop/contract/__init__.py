"""The planning workbook data contract: sheets, columns, parsing and validation (pure)."""
