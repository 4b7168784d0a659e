"""Container images: reproducible OCI layers, images and image layouts made from the
files the zip is made from (issue 20; not wired into `build` yet)."""
