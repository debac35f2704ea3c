"""The PySide6 editor: everything that draws or dispatches.  The core never imports this."""
