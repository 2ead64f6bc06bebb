"""Getting a bad release out and seeing where things stand: observations, rollback, status."""
