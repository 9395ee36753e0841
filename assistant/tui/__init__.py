"""The Textual chat window (`assistant chat`). Imported only when the chat opens: Textual is heavy."""
