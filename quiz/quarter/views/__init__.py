"""The quarter's pages (quarter_pages.py) and its reports' pages (report_pages.py), one blueprint each."""
