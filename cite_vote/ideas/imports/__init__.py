"""Ideas brought into a challenge from a file (services: reading, preview, storing; views)."""
