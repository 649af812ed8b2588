"""Face detection, landmarks and alignment (dlib and MediaPipe backends, chosen by name)."""
