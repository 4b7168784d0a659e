"""Container images: reproducible OCI layers, images and image layouts made from the files
the zip is made from, pushed only when a registry lacks them."""
