"""The tkinter desktop client. Only the Tk thread touches widgets."""
