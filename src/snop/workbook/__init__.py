"""Reading and writing planning workbooks: .xlsx files and folders of .csv files."""
