"""Public draw records: one page per published run and its verification bundle."""
