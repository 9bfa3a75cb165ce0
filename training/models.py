# Courses, classes and results arrive with the training issue.
