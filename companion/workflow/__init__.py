"""What the user works on: candidates, placements (and their shared field checks) and the CSV exports."""
