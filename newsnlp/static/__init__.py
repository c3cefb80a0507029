"""The static tier: a token table distilled from a sentence encoder (model2vec's method), read
with numpy alone, and the cascade that sends its uncertain decisions to a transformer tier."""
