"""Widgets of the course: labelled audio players (:mod:`.players`).

Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
"""
from .players import figure_image, player, player_table, players, text_box

__all__ = ["player", "players", "player_table", "text_box", "figure_image"]
