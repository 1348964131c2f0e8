"""The suggestion strip, the ghost text and the controller that feeds them from the service."""
