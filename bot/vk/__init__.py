"""The VK community bot: community messages for citizens, on the same conversation core."""
