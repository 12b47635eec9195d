"""MI-trainer application: coder, coach, practice session, storage and front ends."""
