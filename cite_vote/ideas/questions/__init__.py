"""Idea sheets: the organiser's own questions on the idea form, and their answers."""
