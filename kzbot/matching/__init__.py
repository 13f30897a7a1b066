"""The matcher's stages, one module each; kzbot.matcher.Matcher puts them together."""
