//! Unit tests of the line searches.
