"""Learned routing: a text classifier trained on the centre's own decisions (and, to start, on the
spb-appeals corpus), its file format, its held-out figures and the confidence it routes at."""
