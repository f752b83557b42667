"""The figures -> where people read them: terminal tables, files, workbooks, dashboards."""
