"""Import residents' request history from cities' 311 exports (Boston 311, SeeClickFix, mapping files)."""
