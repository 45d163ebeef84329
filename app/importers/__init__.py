"""Readers for outside datasets: each turns a file into ImportEvents for services/imports.py."""
