"""Instructor tooling for the activation-functions course.

Students never need this package: it sets up environments, generates the
student versions, grades and runs an instructor's term.
"""
