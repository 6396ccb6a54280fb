"""Members' answers to a letter's sign-on: recording them (``respond``) and seeing who is
on board (``signatures``)."""
