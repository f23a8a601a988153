"""Time as the law counts it: the working calendar, deadline policies and their ladders, report periods."""
