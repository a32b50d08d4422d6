"""Thin cliff commands: parse arguments, call an engine or the cloud module,
return rows. One module per command."""
