"""The projection screen: what it shows (services), its pages (views), its controls (forms)."""
