"""Builds on a cache another build left: reused when it can be, rebuilt saying why when it
cannot, never wrong, and never broken by a killed, damaged or concurrent build."""
