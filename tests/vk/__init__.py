"""A loopback VK API emulator for tests of the VK bot through the real vk_api stack.

Modules: emulator (VkApiEmulator), vk_http (routes, token, rate limit, faults), vk_methods and
vk_uploads (the methods), vk_keyboard (keyboard and event_data rules), vk_events (Long Poll,
Callback API), vk_state (communities, conversations, messages), vk_media (attachment shapes),
people (UserHandle), client (vk_for: vk_api pointed at the emulator).

Defaults (vk_rules.Limits, mutable at run time as emu.limits): 20 requests per token in any
sliding second, counted when a call's fields have arrived (monotonic clock); 4096 characters a
message; 10 identical texts to one peer a minute (error 9); Callback API re-sends an event 5
times, 0.05 s apart; a_check waits at most 5 s; message_event answers within 60 s; edits within
24 h. Long Poll is on for every community until disable_long_poll(); a community with a
Callback API server gets its events there instead.

Where VK's documentation is silent the emulator chooses, strictly: random_id must fit int32
and 0 disables the dedupe; messages.edit without `keyboard` or `attachment` removes them; an
empty keyboard row is refused; location, vkpay and open_app buttons take a whole row; the
confirmation request carries no secret and must be answered with exactly the code; a
message_event's unknown, answered or expired event_id, a missing message to edit and Long Poll
switched off are error 100; an edit of a user's message is 920.
"""
