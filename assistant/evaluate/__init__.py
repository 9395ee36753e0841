"""Evaluation: question sets (``dataset``), pure metrics (``metrics``), the runner, the report and the tuning sweep."""
