"""Models of this app land with its issue; the app is wired in so they add onto it."""
