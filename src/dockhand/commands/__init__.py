"""What the tasks do. Task modules import these only when a task runs, so
`inv --list` never pays for them."""
