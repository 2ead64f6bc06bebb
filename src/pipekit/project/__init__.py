"""The project: names, the pipeline layout, rendering and writing files, scaffolding."""
