"""The build as one pipeline (run.py): its phases, the staging area that makes a failed
build change nothing (staging.py), the OpenAPI phase (routes.py), the upload step."""
