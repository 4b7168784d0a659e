"""A scheduler that starts and stops instances on a timetable."""
