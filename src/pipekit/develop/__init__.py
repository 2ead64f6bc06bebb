"""The developer's loop: a personal stack built from the working tree (`pipekit dev`)."""
