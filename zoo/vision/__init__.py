"""Photos and video for inference: image reading, face detection and cropping, emoji and annotation drawing."""
