"""The conversation layer shared by the chat window and scripted mode."""
