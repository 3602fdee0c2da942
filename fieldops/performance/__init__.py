"""CitiStat performance figures, charts, hotspots and their page."""
