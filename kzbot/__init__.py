"""kzbot: answers questions about China's response to the January 2022 unrest in Kazakhstan."""
