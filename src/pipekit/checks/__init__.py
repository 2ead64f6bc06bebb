"""pipekit validate: the field's tools and pipekit's own named rules over the rendered files."""
