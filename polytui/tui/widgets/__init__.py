"""Widgets of the polytui app (import each from its module: importing this package loads none,
so a screen pays only for the widgets it shows)."""
