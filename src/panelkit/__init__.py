"""panelkit: citizen-panel survey analysis, from raw export to district-plan fact box."""

__version__ = "0.1.0"
